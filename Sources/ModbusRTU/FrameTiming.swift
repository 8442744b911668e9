/// RTU timing figures for a line (Modbus over Serial Line V1.02 §2.5.1.1): a gap of more than
/// t1.5 inside a frame breaks it, and frames are separated by at least t3.5 of silence. Above
/// 19200 baud the spec fixes them at 750 µs and 1750 µs. All figures are rounded up to the µs.
public struct FrameTiming: Equatable, Sendable {
    /// Time one character takes on the wire (start, data, parity, stop bits).
    public var characterMicros: Int
    /// Longest silence allowed inside a frame.
    public var t15Micros: Int
    /// Shortest silence between frames.
    public var t35Micros: Int

    public init(characterMicros: Int, t15Micros: Int, t35Micros: Int) {
        self.characterMicros = characterMicros
        self.t15Micros = t15Micros
        self.t35Micros = t35Micros
    }

    /// Figures for `baud` with `bitsPerCharacter` bits per character (10 for 8N1 as the PZEM
    /// uses, 11 for the spec's 8E1/8N2). Nonsense inputs are clamped to 1 instead of trapping.
    public static func forBaud(_ baud: Int, bitsPerCharacter: Int) -> FrameTiming {
        let baud = max(1, min(baud, 100_000_000))
        let bits = max(1, min(bitsPerCharacter, 64))
        // ceil(tenths × bits × 10^6 / (10 × baud)) in integers: no floating point, no rounding drift.
        func micros(tenthsOfCharacters: Int) -> Int {
            let numerator = tenthsOfCharacters * bits * 1_000_000
            let denominator = 10 * baud
            return (numerator + denominator - 1) / denominator
        }
        let character = micros(tenthsOfCharacters: 10)
        if baud > 19200 {
            return FrameTiming(characterMicros: character, t15Micros: 750, t35Micros: 1750)
        }
        return FrameTiming(characterMicros: character,
                           t15Micros: micros(tenthsOfCharacters: 15),
                           t35Micros: micros(tenthsOfCharacters: 35))
    }

    /// Wire time of `bytes` characters sent back to back.
    public func wireMicros(bytes: Int) -> Int { characterMicros * max(0, bytes) }
}
