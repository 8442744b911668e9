import Testing
@testable import Meters
@Test func placeholder() { #expect(1 + 1 == 2) }
