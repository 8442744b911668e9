import Testing
@testable import Daemon
@Test func placeholder() { #expect(1 + 1 == 2) }
