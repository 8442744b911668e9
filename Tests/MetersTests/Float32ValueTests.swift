import Testing
import TestSupport
@testable import Meters

/// The reference: Swift's own Float, widened to Double (exact), times 10^d (exact: a 24-bit
/// mantissa times 1000 fits in 53 bits), rounded half away from zero. Test-only: no floating
/// point runs in the product's decoder.
private func reference(_ bits: UInt32, decimals: Int) -> Float32Value {
    let value = Float(bitPattern: bits)
    if value.isNaN { return .notANumber }
    if value.isInfinite { return .infinite }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (Double(value) * scale).rounded(.toNearestOrAwayFromZero)
    guard abs(scaled) <= Double(Float32Value.maxMagnitude) else { return .tooLarge }
    return .finite(negative: value.sign == .minus, magnitude: UInt64(abs(scaled)))
}

private func wattHours(_ kWh: Float) -> UInt64? {
    guard case .finite(false, let magnitude) = Float32Value(bits: kWh.bitPattern, decimals: 3) else { return nil }
    return magnitude
}

@Suite struct Float32ValueTests {
    @Test func theSpecsFramesDecode() {
        // Tasmota's sample 43 66 33 34 = 230.2 V; meter-sim's 43 66 19 9A = 230.1 V; 44 9A 50 00 = 1234.5 kWh.
        #expect(Float32Value(high: 0x4366, low: 0x3334, decimals: 1) == .finite(negative: false, magnitude: 2302))
        #expect(Float32Value(high: 0x4366, low: 0x199A, decimals: 1) == .finite(negative: false, magnitude: 2301))
        #expect(Float32Value(high: 0x449A, low: 0x5000, decimals: 3) == .finite(negative: false, magnitude: 1_234_500))
    }

    @Test func specialValuesAreNotNumbers() {
        #expect(Float32Value(bits: 0x7FC0_0000, decimals: 3) == .notANumber)
        #expect(Float32Value(bits: 0xFF80_0001, decimals: 0) == .notANumber)
        #expect(Float32Value(bits: 0x7F80_0000, decimals: 3) == .infinite)
        #expect(Float32Value(bits: 0xFF80_0000, decimals: 3) == .infinite)
        #expect(Float32Value(bits: 0x7F7F_FFFF, decimals: 0) == .tooLarge)           // 3.4e38
        #expect(Float32Value(bits: Float(1e16).bitPattern, decimals: 0) == .tooLarge)
        #expect(Float32Value(bits: 0x8000_0000, decimals: 3) == .finite(negative: true, magnitude: 0))   // -0.0
        #expect(Float32Value(bits: 0x0000_0001, decimals: 6) == .finite(negative: false, magnitude: 0))  // subnormal
        #expect(Float32Value(bits: Float(-196.3).bitPattern, decimals: 1) == .finite(negative: true, magnitude: 1963))
    }

    @Test func agreesWithFloatOnRandomAndEdgeBitPatterns() {
        var generator = SeededGenerator(seed: 0x5D_3630)
        var patterns: [UInt32] = [0, 1, 0x0080_0000, 0x3F00_0000, 0x3F80_0000, 0x4B80_0000, 0x4C00_0001, 0x5A00_0000, 0x5A80_0000]
        for _ in 0..<200_000 { patterns.append(UInt32.random(in: 0...UInt32.max, using: &generator)) }
        for bits in patterns {
            for decimals in 0...3 {
                #expect(Float32Value(bits: bits, decimals: decimals) == reference(bits, decimals: decimals),
                        "bits \(bits) decimals \(decimals)")
            }
        }
    }

    @Test func halvesRoundAwayFromZero() {
        #expect(Float32Value(bits: Float(0.0005).bitPattern, decimals: 3) == .finite(negative: false, magnitude: 1))  // 0.000500000024
        #expect(Float32Value(bits: Float(2.5).bitPattern, decimals: 0) == .finite(negative: false, magnitude: 3))
        #expect(Float32Value(bits: Float(-2.5).bitPattern, decimals: 0) == .finite(negative: true, magnitude: 3))
        #expect(Float32Value(bits: Float(0.125).bitPattern, decimals: 2) == .finite(negative: false, magnitude: 13))
    }

    /// Above 8 192 kWh a float32 step is 0.98 Wh, above 16 384 kWh 1.95 Wh, above 65 536 kWh
    /// 7.8 Wh: whole Wh cannot all be held, but every converted value is the nearest Wh to the float.
    @Test func largeCountersQuantiseButNeverGoBack() {
        #expect(wattHours(16_384.0) == 16_384_000)
        #expect(wattHours(Float(bitPattern: 0x4680_0001)) == 16_384_002)      // 16 384.001953125 kWh
        #expect(wattHours(16_384.001) == 16_384_002)                           // 1 Wh more cannot be held
        #expect(wattHours(99_999.99) == 99_999_992)                            // 99 999.9921875 kWh
        #expect(wattHours(Float(bitPattern: 0x47C3_5000)) == 100_000_000)
        #expect(wattHours(Float(bitPattern: 0x47C3_5001)) == 100_000_008)      // 7.8125 Wh step
        // Consecutive floats across each binade boundary from 8 192 to 131 072 kWh: the whole-Wh
        // value never goes back, and never steps by more than the float's own step rounded up, plus 1.
        for boundary: Float in [8_192, 16_384, 32_768, 65_536, 131_072] {
            var previous = wattHours(boundary.nextDown.nextDown)!
            var value = boundary.nextDown
            for _ in 0..<5_000 {
                let wh = wattHours(value)!
                let step = UInt64((Double(value.ulp) * 1000).rounded(.up)) + 1
                #expect(wh >= previous && wh - previous <= step, "\(value) kWh")
                previous = wh
                value = value.nextUp
            }
        }
    }
}
