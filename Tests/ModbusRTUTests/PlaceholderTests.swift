import Testing
@testable import ModbusRTU
@Test func placeholder() { #expect(1 + 1 == 2) }
