import Testing
@testable import Ledger

/// The texts Config hands to Ledger: amounts, tariffs, energy, power, friendly hours.
@Suite struct ParsingTests {
    @Test func amountsAreExact() throws {
        #expect(try Nanos.parse("2.5 IOTA") == Nanos(2_500_000_000))
        #expect(try Nanos.parse("0.000000001 IOTA") == Nanos(1))
        #expect(try Nanos.parse("0.123456789 IOTA") == Nanos(123_456_789))
        #expect(try Nanos.parse("250000000 nanos") == Nanos(250_000_000))
        #expect(try Nanos.parse("9223372036854775807 nanos") == Nanos(Int64.max))
        #expect(try Nanos.parse("9223372036.854775807 IOTA") == Nanos(Int64.max))
        #expect(try Nanos.parse("0 IOTA") == Nanos.zero)
    }

    @Test(arguments: [
        "0.1234567891 IOTA",          // 10 decimals
        "9223372036854775808 nanos",  // Int64.max + 1
        "9223372036.854775808 IOTA",
        "99999999999999999999 nanos",
        "-1 IOTA", "+1 IOTA", "1e9 nanos", "1.5 nanos", "1. IOTA", ".5 IOTA", "1..5 IOTA",
        "IOTA", "", "1", "1 iota", "1 IOTA extra", "0x10 nanos", "１ IOTA", "1,5 IOTA",
    ])
    func badAmountsAreRefused(text: String) {
        #expect(throws: LedgerError.self) { try Nanos.parse(Substring(text)) }
    }

    @Test func amountErrorsSayWhy() throws {
        #expect(throws: LedgerError.invalidAmount(text: "0.1234567891", reason: "at most 9 decimals for IOTA")) {
            try Nanos.parse("0.1234567891 IOTA")
        }
        #expect(throws: LedgerError.invalidAmount(text: "9223372036854775808", reason: "too large")) {
            try Nanos.parse("9223372036854775808 nanos")
        }
        #expect(throws: LedgerError.self) { try parseDecimal("1", scaleDigits: 19, what: "x") }
        #expect(try parseDecimal("9.223372036854775807", scaleDigits: 18, what: "x") == Int64.max)
    }

    @Test func decimalNumbersAreReadExactlyAndScaledOnlyWhenWhole() throws {
        let n = try DecimalNumber("2.05", maxFractionDigits: 9)
        #expect(n.whole == 2 && n.fraction == 5 && n.fractionDigits == 2)
        #expect(n.times(100) == 205 && n.times(10) == nil && n.times(1000) == 2050 && n.times(-1) == nil)
        #expect(try DecimalNumber("1.5", maxFractionDigits: 18).times(60_000) == 90_000)   // 1.5 min in ms
        #expect(try DecimalNumber("9223372036854775807", maxFractionDigits: 0).times(1) == Int64.max)
        #expect(try DecimalNumber("9223372036854775807", maxFractionDigits: 0).times(2) == nil)
        // Each problem as the reader first meets it: the decimal limit before a later bad byte.
        let problems: [(String, Int, DecimalNumber.Problem)] = [
            ("1.123x", 2, .tooManyDecimals), ("1.5", 0, .tooManyDecimals), (".5", 3, .misplacedPoint),
            ("1..5", 3, .misplacedPoint), ("1.", 3, .misplacedPoint), ("", 3, .misplacedPoint),
            ("-1", 3, .notADigit), ("1e9", 3, .notADigit), ("92233720368547758070", 0, .tooLarge),
        ]
        for (text, limit, problem) in problems {
            #expect(throws: problem, "\(text)") { try DecimalNumber(Substring(text), maxFractionDigits: limit) }
        }
        #expect(splitQuantity("12.5 kW") == ("12.5", "kW") && splitQuantity("kW") == ("", "kW"))
    }

    @Test func tariffs() throws {
        #expect(try Tariff.parse("0.25 IOTA/kWh").pricePerKWh == Nanos(250_000_000))
        #expect(try Tariff.parse("250000000 nanos/kWh").pricePerKWh == Nanos(250_000_000))
        #expect(try Tariff.parse("1 nanos/Wh").pricePerKWh == Nanos(1000))
        #expect(throws: LedgerError.self) { try Tariff.parse("9223372036854775807 nanos/Wh") }
        #expect(throws: LedgerError.self) { try Tariff.parse("0.25 IOTA/MWh") }
        #expect(throws: LedgerError.self) { try Tariff.parse("-0.25 IOTA/kWh") }
        #expect(throws: LedgerError.self) { try Tariff.parse("0.25 IOTA") }
    }

    @Test func chargeFloorsExactlyAtInt64Limits() throws {
        let tariff = Tariff(pricePerKWh: Nanos(Int64.max))
        #expect(try tariff.charge(for: WattHours(1000)) == Nanos(Int64.max))
        #expect(try tariff.charge(for: WattHours(999)) == Nanos(Int64((Int128(Int64.max) * 999) / 1000)))
        #expect(throws: LedgerError.self) { try tariff.charge(for: WattHours(1001)) }
        #expect(try Tariff(pricePerKWh: Nanos(1)).charge(for: WattHours(999)) == .zero)
        #expect(try Tariff(pricePerKWh: Nanos(3)).charge(for: WattHours(-1)) == Nanos(-1))
    }

    @Test func energy() throws {
        #expect(try WattHours.parse("100Wh") == WattHours(100))
        #expect(try WattHours.parse("100 Wh") == WattHours(100))
        #expect(try WattHours.parse("1.5kWh") == WattHours(1500))
        #expect(try WattHours.parse("0.001kWh") == WattHours(1))
        #expect(try WattHours.parse("9223372036854775807Wh") == WattHours(Int64.max))
        for bad in ["1.5Wh", "0.0001kWh", "100", "Wh", "-5Wh", "100wh", "100 MWh", "9223372036854775.808kWh", "1 0Wh"] {
            #expect(throws: LedgerError.self, "\(bad)") { try WattHours.parse(Substring(bad)) }
        }
    }

    @Test func power() throws {
        #expect(try Deciwatts.parse("500W") == Deciwatts(5000))
        #expect(try Deciwatts.parse("500.5 W") == Deciwatts(5005))
        #expect(try Deciwatts.parse("2.3kW") == Deciwatts(23_000))
        #expect(try Deciwatts.parse("0.0001kW") == Deciwatts(1))
        #expect(try Deciwatts.parse("23kW") == Deciwatts.pzem004tMaximum)
        for bad in ["0.05W", "0.00001kW", "2.3", "kW", "-1W", "2.3 KW", "2.3kw", "1e3W", "922337203685477580.8W x"] {
            #expect(throws: LedgerError.self, "\(bad)") { try Deciwatts.parse(Substring(bad)) }
        }
        #expect(throws: LedgerError.invalidAmount(text: "0.05", reason: "at most 1 decimals for W")) {
            try Deciwatts.parse("0.05W")
        }
    }

    @Test func friendlyHours() throws {
        let night = try FriendlyHours.parse("20:00-08:00")
        #expect(night.startMinute == 1200 && night.endMinute == 480)
        #expect(night.text == "20:00-08:00")
        #expect(night.contains(minute: 1200))        // start inclusive
        #expect(night.contains(minute: 1439))
        #expect(night.contains(minute: 0))
        #expect(night.contains(minute: 479))
        #expect(!night.contains(minute: 480))        // end exclusive
        #expect(!night.contains(minute: 1199))
        #expect(!night.contains(minute: 720))
        #expect(!night.contains(minute: -1) && !night.contains(minute: 1440) && !night.contains(minute: Int.min))

        let lunch = try FriendlyHours.parse("12:30-13:05")
        #expect(lunch.contains(minute: 750) && lunch.contains(minute: 784))
        #expect(!lunch.contains(minute: 785) && !lunch.contains(minute: 749))
        #expect(try FriendlyHours.parse("8:00-9:15").text == "08:00-09:15")
        #expect(try FriendlyHours.parse("00:00-23:59").contains(minute: 0))
    }

    @Test(arguments: ["20:00-20:00", "24:00-08:00", "20:60-08:00", "20:00", "20:00-08:00-09:00", "20-08",
                      "20:0-08:00", "120:00-08:00", "-1:00-08:00", "20:00 - 08:00", "aa:bb-cc:dd", "", "-",
                      "99999999999999999999:00-01:00"])
    func badFriendlyHoursAreRefused(text: String) {
        #expect(throws: LedgerError.self) { try FriendlyHours.parse(Substring(text)) }
    }

    @Test func friendlyHoursFromMinutes() {
        #expect(throws: LedgerError.self) { try FriendlyHours(startMinute: 0, endMinute: 1440) }
        #expect(throws: LedgerError.self) { try FriendlyHours(startMinute: 5, endMinute: 5) }
        #expect(throws: LedgerError.self) { try FriendlyHours(startMinute: -1, endMinute: 5) }
    }

    @Test func errorMessagesNameTheText() {
        #expect(LedgerError.invalidTime(text: "25:00-01:00", reason: "r").message == "invalid time '25:00-01:00': r")
        #expect(LedgerError.invalidEvent(reason: "r").message == "event refused: r")
    }
}
