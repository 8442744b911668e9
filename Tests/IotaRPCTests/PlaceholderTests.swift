import Testing
@testable import IotaRPC
@Test func placeholder() { #expect(1 + 1 == 2) }
