import Testing
import Ledger
@testable import Config

@Test func durationsInEveryUnitAndExactDecimals() throws {
    #expect(try Milliseconds.parse("300ms") == Milliseconds(300))
    #expect(try Milliseconds.parse("1s") == Milliseconds(1000))
    #expect(try Milliseconds.parse("1.5s") == Milliseconds(1500))
    #expect(try Milliseconds.parse("5min") == Milliseconds(300_000))
    #expect(try Milliseconds.parse("2h") == Milliseconds(7_200_000))
    #expect(try Milliseconds.parse("0.5 h") == Milliseconds(1_800_000))
    for bad in ["", "s", "1", "1.s", ".5s", "1.0005s", "-1s", "+1s", "1e3ms", "1 m", "1S", "1s ", "1..5s",
                "99999999999999999999ms", "9223372036854775807h"] {
        #expect(throws: (any Error).self, "\(bad)") { try Milliseconds.parse(Substring(bad)) }
    }
    #expect(Milliseconds(0).text == "0ms")
    #expect(Milliseconds(1500).text == "1500ms")
    #expect(Milliseconds(120_000).text == "2min")
}

/// Energy, power and hours are parsed by Ledger; these pin the behaviour the configuration relies on.
@Test func energyAndPowerAreExact() throws {
    #expect(try WattHours.parse("100Wh") == WattHours(100))
    #expect(try WattHours.parse("1.5kWh") == WattHours(1500))
    #expect(try WattHours.parse("0.001kWh") == WattHours(1))
    #expect(throws: (any Error).self) { try WattHours.parse("0.0005kWh") }
    #expect(throws: (any Error).self) { try WattHours.parse("1.5Wh") }
    #expect(throws: (any Error).self) { try WattHours.parse("9223372036854775807kWh") }
    #expect(try Deciwatts.parse("2300W") == Deciwatts(23_000))
    #expect(try Deciwatts.parse("2300.5W") == Deciwatts(23_005))
    #expect(try Deciwatts.parse("2.3kW") == Deciwatts(23_000))
    #expect(try Deciwatts.parse("0.0001kW") == Deciwatts(1))
    #expect(throws: (any Error).self) { try Deciwatts.parse("0.05W") }
    #expect(QuantityText.power(Deciwatts(23_005)) == "2300.5W")
    #expect(QuantityText.power(Deciwatts(23_000)) == "2300W")
    #expect(QuantityText.energy(WattHours(1500)) == "1500Wh")
}

@Test func moneyHasAtMostNineDecimalsAndNoOverflow() {
    func emergency(_ value: String) -> [String] { meterMessage("emergency_credit = " + value) }
    func tariff(_ value: String) -> [String] {
        messages("[meter a]\nrelay.line = 1\ntariff = \(value)\n")
    }
    #expect(emergency("0.000000001 IOTA").isEmpty)
    #expect(!emergency("0.0000000001 IOTA").isEmpty)          // 10 decimals
    #expect(emergency("9223372036 IOTA").isEmpty)             // fits Int64 nanos
    #expect(!emergency("9223372037 IOTA").isEmpty)            // does not
    #expect(emergency("9223372036854775807 nanos").isEmpty)
    #expect(!emergency("9223372036854775808 nanos").isEmpty)
    #expect(!emergency("1.5 nanos").isEmpty)
    #expect(tariff("0.123456789 IOTA/kWh").isEmpty)
    #expect(tariff("0.1234567891 IOTA/kWh")
            == ["/etc/tanglemeter.conf:3: key 'tariff': expected a price above 0 like 0.25 IOTA/kWh or 250000000 nanos/kWh (up to 9 decimals), got '0.1234567891 IOTA/kWh'"])
    #expect(!tariff("0.25 IOTA").isEmpty)
    #expect(!tariff("0.25 iota/kWh").isEmpty)
    #expect(!tariff("-1 IOTA/kWh").isEmpty)
}

@Test func httpOnlyForLoopbackHosts() throws {
    for ok in ["http://127.0.0.1:9000", "http://127.0.0.2:9000", "http://127.255.255.255/rpc", "http://localhost",
               "http://LocalHost:8080/", "http://[::1]:9000", "http://[::1]", "https://example.com",
               "https://api.mainnet.iota.cafe", "https://10.0.0.1:9000/x?y=1"] {
        #expect(globalMessage("iota.node = " + ok).isEmpty, "\(ok)")
    }
    let loopbackOnly = "http:// only to a loopback host (127.0.0.0/8, localhost, [::1]); use https://"
    for refused in ["http://example.com", "http://128.0.0.1", "http://127.0.0.1.example.com", "http://127.0.0",
                    "http://127.0.0.256", "http://[::2]:9000", "http://localhost.evil.com", "http://0x7f.0.0.1"] {
        #expect(globalMessage("iota.node = " + refused)
                == ["/etc/tanglemeter.conf:1: key 'iota.node': expected \(loopbackOnly), got '\(refused)'"], "\(refused)")
    }
    #expect(globalMessage("iota.node = http://127.0.0.1@evil.com")
            == ["/etc/tanglemeter.conf:1: key 'iota.node': expected a URL without user or password, got 'http://127.0.0.1@evil.com'"])
    for malformed in ["https://", "https://:9000", "https://host:0", "https://host:65536", "https://host:x",
                      "https://[::1", "https://a:b:c", "ws://localhost", "localhost:9000"] {
        #expect(!globalMessage("iota.node = " + malformed).isEmpty, "\(malformed)")
    }
    let url = try NodeURL.parse("http://[::1]:9000/rpc")
    #expect(url == NodeURL(text: "http://[::1]:9000/rpc", isTLS: false, host: "::1", port: 9000))
}

@Test func friendlyHoursAcrossMidnight() throws {
    let night = try FriendlyHours.parse("20:00-08:00")
    #expect(night.contains(minute: 20 * 60))
    #expect(night.contains(minute: 23 * 60 + 59))
    #expect(night.contains(minute: 0))
    #expect(night.contains(minute: 7 * 60 + 59))
    #expect(!night.contains(minute: 8 * 60))          // the end is exclusive
    #expect(!night.contains(minute: 12 * 60))
    #expect(!night.contains(minute: 19 * 60 + 59))
    let day = try FriendlyHours.parse("09:30-17:00")
    #expect(day.contains(minute: 9 * 60 + 30))
    #expect(!day.contains(minute: 9 * 60 + 29))
    #expect(!day.contains(minute: 17 * 60))
    #expect(!day.contains(minute: 0))
    #expect(try FriendlyHours.parse("00:00-23:59").text == "00:00-23:59")
    #expect(try FriendlyHours.parse("8:00-20:00") == (try FriendlyHours.parse("08:00-20:00")))   // Ledger allows one hour digit
    for bad in ["20:00", "20:00-08:00-09:00", "20:00-20:00", "20:60-08:00", "2000-0800", "20:00 - 08:00", "-08:00", "ab:cd-08:00"] {
        #expect(throws: (any Error).self, "\(bad)") { try FriendlyHours.parse(Substring(bad)) }
    }
}

@Test func valueKinds() throws {
    #expect(try Values.octalMode("0660") == 0o660)
    #expect(try Values.octalMode("600") == 0o600)
    #expect(Values.octalText(0o640) == "0640")
    #expect(try Values.gpioChip("gpiochip4") == .name("gpiochip4"))
    #expect(try Values.gpioChip("/dev/gpiochip0") == .path("/dev/gpiochip0"))
    #expect(try Values.gpioChip("pinctrl-bcm2711") == .label("pinctrl-bcm2711"))
    #expect(try Values.gpioChip("gpiochip") == .label("gpiochip"))
    #expect(try Values.serialFormat("7O2") == SerialFormat(dataBits: 7, parity: .odd, stopBits: 2))
    #expect(try Values.integer("1023", 0...1023) == 1023)
    #expect(throws: (any Error).self) { try Values.integer("99999999999999999999", 0...1023) }
}

@Test func nodeListsAndTheJSONRPCPrefix() throws {
    for ok in ["https://graphql.mainnet.iota.cafe jsonrpc:https://indexer.mainnet.iota.cafe",
               "jsonrpc:http://127.0.0.1:9000", "http://127.0.0.1:9125 jsonrpc:http://127.0.0.1:9124 https://x.example"] {
        #expect(globalMessage("iota.node = " + ok).isEmpty, "\(ok)")
    }
    // The loopback rule holds behind the prefix too; a bare or doubled prefix is no URL.
    for refused in ["jsonrpc:http://example.com", "jsonrpc:", "jsonrpc:jsonrpc:https://x.example", "JSONRPC:https://x",
                    "https://a.example jsonrpc:ftp://b", Array(repeating: "https://a.example", count: 9).joined(separator: " ")] {
        #expect(!globalMessage("iota.node = " + refused).isEmpty, "\(refused)")
    }
}
