import Testing
@testable import Journal
@Test func placeholder() { #expect(1 + 1 == 2) }
