import Testing
@testable import Ledger
@Test func placeholder() { #expect(1 + 1 == 2) }
