import Testing
import Ledger

@Suite struct FixedPointTests {
    @Test func formatsDecimals() {
        #expect(FixedPoint.format(27598, decimals: 1) == "2759.8")
        #expect(FixedPoint.format(12345, decimals: 3) == "12.345")
        #expect(FixedPoint.format(5, decimals: 1) == "0.5")
        #expect(FixedPoint.format(5, decimals: 3) == "0.005")
        #expect(FixedPoint.format(0, decimals: 2) == "0.00")
        #expect(FixedPoint.format(-5, decimals: 2) == "-0.05")
        #expect(FixedPoint.format(-12345, decimals: 0) == "-12345")
        #expect(FixedPoint.format(Int128(UInt32.max), decimals: 0) == "4294967295")
        #expect(FixedPoint.format(Int128(Int64.min), decimals: 9) == "-9223372036.854775808")
        #expect(FixedPoint.format(7, decimals: 5) == "0.00007")
        #expect(FixedPoint.format(1, decimals: -3) == "1")
        #expect(FixedPoint.format(Int128.min, decimals: 0) == "-170141183460469231731687303715884105728")
        #expect(FixedPoint.format(Int128.max, decimals: 38) == "1.70141183460469231731687303715884105727")
    }

    @Test func trimsTrailingZerosWhenAsked() {
        #expect(FixedPoint.format(2_500_000_000, decimals: 9, trimmingZeros: true) == "2.5")
        #expect(FixedPoint.format(3_000_000_000, decimals: 9, trimmingZeros: true) == "3")
        #expect(FixedPoint.format(-1, decimals: 9, trimmingZeros: true) == "-0.000000001")
        #expect(FixedPoint.format(0, decimals: 9, trimmingZeros: true) == "0")
        #expect(FixedPoint.format(23_005, decimals: 1, trimmingZeros: true) == "2300.5")
        #expect(Nanos(Int64.min).iotaText == "-9223372036.854775808")
    }
}
