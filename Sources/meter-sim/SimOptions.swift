import Ledger

/// meter-sim's command line, parsed (DESIGN §3.7). Decimals are kept as integers in the unit the
/// meter uses (0.1 W, 0.1 V) or in millionths (probabilities) and thousandths (speed).
struct SimOptions {
    var link = ""
    var addresses: [UInt8] = []
    /// The model at each of `addresses`, in the same order.
    var models: [SimModel] = []
    var powerDeciwatts: UInt32 = 0
    var voltageDecivolts: UInt16 = 2300
    var energyWattHours: UInt32 = 0
    var energyMax: UInt32 = .max
    var energySaturates = false
    var speedThousandths: UInt64 = 1000
    var wireBaud: Int?
    var dropPPM: UInt32 = 0
    var corruptPPM: UInt32 = 0
    var garbagePPM: UInt32 = 0
    var delayMillis: Int64 = 0
    var delayPPM: UInt32 = 1_000_000
    var seed: UInt64?

    static func parse(_ args: [String]) throws(SimError) -> SimOptions {
        var options = SimOptions()
        var index = 0
        func value(_ name: String) throws(SimError) -> Substring {
            index += 1
            guard index < args.count else { throw .usage("\(name) needs a value") }
            return Substring(args[index])
        }
        while index < args.count {
            let name = args[index]
            switch name {
            case "--link":
                options.link = String(try value(name))
            case "--address":
                let text = try value(name)
                let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard let n = UInt8(parts[0]), n >= 1, n <= 247 else {
                    throw .usage("--address must be 1-247, optionally :MODEL, not \(text)")
                }
                var model = SimModel.pzem004t
                if parts.count == 2 {
                    guard let named = SimModel(rawValue: String(parts[1])) else {
                        throw .usage("--address \(text): MODEL is pzem004t, sdm120 or sdm630")
                    }
                    model = named
                }
                options.addresses.append(n)
                options.models.append(model)
            case "--power":
                options.powerDeciwatts = UInt32(try decimal(try value(name), decimals: 1, max: 230_000, option: name))
            case "--voltage":
                options.voltageDecivolts = UInt16(try decimal(try value(name), decimals: 1, max: 6553, option: name))
            case "--energy":
                options.energyWattHours = UInt32(try decimal(try value(name), decimals: 0, max: UInt64(UInt32.max), option: name))
            case "--energy-max":
                options.energyMax = UInt32(try decimal(try value(name), decimals: 0, max: UInt64(UInt32.max), option: name))
            case "--energy-max-mode":
                let mode = try value(name)
                guard mode == "wrap" || mode == "saturate" else { throw .usage("--energy-max-mode is wrap or saturate, not \(mode)") }
                options.energySaturates = mode == "saturate"
            case "--speed":
                options.speedThousandths = try decimal(try value(name), decimals: 3, max: 1_000_000_000, option: name)
            case "--wire-timing":
                let text = try value(name)
                guard let baud = Int(text), baud >= 300, baud <= 4_000_000 else { throw .usage("--wire-timing must be a baud rate, not \(text)") }
                options.wireBaud = baud
            case "--drop": options.dropPPM = try probability(try value(name), option: name)
            case "--corrupt": options.corruptPPM = try probability(try value(name), option: name)
            case "--garbage": options.garbagePPM = try probability(try value(name), option: name)
            case "--delay-fraction": options.delayPPM = try probability(try value(name), option: name)
            case "--delay":
                options.delayMillis = Int64(try decimal(try value(name), decimals: 0, max: 3_600_000, option: name))
            case "--seed":
                let text = try value(name)
                guard let seed = UInt64(text) else { throw .usage("--seed must be an unsigned integer, not \(text)") }
                options.seed = seed
            default:
                throw .usage("unknown argument \(name)")
            }
            index += 1
        }
        if options.link.isEmpty { throw .usage("--link PATH is required") }
        if options.addresses.isEmpty {
            options.addresses = [1]
            options.models = [.pzem004t]
        }
        for (i, address) in options.addresses.enumerated() where options.addresses[..<i].contains(address) {
            throw .usage("--address \(address) given twice")
        }
        return options
    }

    private static func probability(_ text: Substring, option: String) throws(SimError) -> UInt32 {
        UInt32(try decimal(text, decimals: 6, max: 1_000_000, option: option))
    }
}

/// `"2759.8"` with 1 decimal → 27598. At most `decimals` digits after the point, no sign, and
/// at most `max` (in the scaled unit): anything else is an error, never a trap.
func decimal(_ text: Substring, decimals: Int, max: UInt64, option: String) throws(SimError) -> UInt64 {
    guard let value = parseDecimal(text, decimals: decimals), value <= max else {
        throw .usage("\(option): bad value \(text) (a number with at most \(decimals) decimals, at most \(max) after scaling)")
    }
    return value
}

/// The parser behind `decimal`: Ledger's exact decimal, scaled by 10^`decimals`; nil for anything
/// malformed or out of range.
func parseDecimal(_ text: Substring, decimals: Int) -> UInt64? {
    guard let number = try? DecimalNumber(text, maxFractionDigits: decimals) else { return nil }
    var scale: Int64 = 1
    for _ in 0..<max(0, min(decimals, 18)) { scale *= 10 }
    return number.times(scale).map { UInt64($0) }
}
