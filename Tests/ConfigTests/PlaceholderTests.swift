import Testing
@testable import Config
@Test func placeholder() { #expect(1 + 1 == 2) }
