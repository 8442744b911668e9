import Testing
@testable import Control
@Test func placeholder() { #expect(1 + 1 == 2) }
