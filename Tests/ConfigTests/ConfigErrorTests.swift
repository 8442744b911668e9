import Testing
import Ledger
@testable import Config

/// The minimal meter section appended to global-key cases so that only the line under test fails.
let meterTail = "\n[meter a]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n"

/// The messages of parsing `text` as `/etc/tanglemeter.conf`; empty if it parses.
func messages(_ text: String) -> [String] {
    do {
        _ = try Configuration.parse(text: text, path: "/etc/tanglemeter.conf")
        return []
    } catch {
        return error.problems.map { $0.message }
    }
}

/// One global `key = value` on line 1, followed by a valid meter.
func globalMessage(_ line: String) -> [String] { messages(line + meterTail) }

/// A meter section with `line` on line 4 (after header, relay.line, tariff).
func meterMessage(_ line: String) -> [String] {
    messages("[meter a]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n" + line + "\n")
}

let file = "/etc/tanglemeter.conf"

@Test func theContractExampleMessage() {
    #expect(globalMessage("serial.baud = 9601").isEmpty)  // 9601 is in range: baud is not a list
    #expect(globalMessage("serial.baud = 115201")
            == ["\(file):1: key 'serial.baud': expected 1200…115200, got '115201'"])
    #expect(globalMessage("serial.baud = 1199")
            == ["\(file):1: key 'serial.baud': expected 1200…115200, got '1199'"])
    #expect(globalMessage("serial.baud = +9600")
            == ["\(file):1: key 'serial.baud': expected 1200…115200, got '+9600'"])
}

/// Each `key = value` line of `cases` is refused on `lineNumber` with exactly its expectation.
func expectRefusals(_ cases: [(String, String)], lineNumber: Int, _ messagesOf: (String) -> [String]) {
    for (line, expected) in cases {
        let key = String(line.split(separator: " ")[0])
        let value = String(line.split(separator: "=", maxSplits: 1)[1].dropFirst())
        #expect(messagesOf(line) == ["\(file):\(lineNumber): key '\(key)': expected \(expected), got '\(value)'"], "\(line)")
    }
}

let watchdogSeconds = "whole seconds from 1s to 255s (a Raspberry Pi's watchdog allows at most 15s)"

/// WDIOC_SETTIMEOUT takes whole seconds; 4min 15s is the largest the key takes.
@Test func watchdogTimeoutTakesWholeSeconds() throws {
    let c = try Configuration.parse(text: "watchdog.timeout = 4min" + meterTail, path: file)
    #expect(c.watchdog.timeout == Milliseconds(240_000))
    #expect(globalMessage("watchdog.timeout = 255s").isEmpty)
    #expect(globalMessage("watchdog.timeout = 1s").isEmpty)
    #expect(globalMessage("watchdog.timeout = 3000ms").isEmpty)
}

@Test func everyGlobalKeyRefusesMalformedValues() {
    let cases: [(String, String)] = [
        ("serial.device = /dev/tty USB0", "a path of at most 4095 bytes, printable ASCII without spaces"),
        ("serial.format = 9N1", "data bits 5…8, parity N/E/O, stop bits 1…2, like 8N1 or 8N2"),
        ("serial.format = 8X1", "data bits 5…8, parity N/E/O, stop bits 1…2, like 8N1 or 8N2"),
        ("serial.timeout = 300", "a duration from 10ms to 10s (ms, s, min, h)"),
        ("serial.timeout = 5ms", "a duration from 10ms to 10s (ms, s, min, h)"),
        ("poll.interval = 1sec", "a duration from 100ms to 1h (ms, s, min, h)"),
        ("socket.mode = 0668", "octal permission bits like 0660 (at most 0777)"),
        ("socket.mode = 4755", "octal permission bits like 0660 (at most 0777)"),
        ("socket.admin_group = -x", "a group name (letters, digits, . _ -, at most 32)"),
        ("journal.checkpoint = 500ms", "a duration from 1s to 1h (ms, s, min, h)"),
        ("gpio.backend = sysfs", "gpiod or sim"),
        ("gpio.chip = chip 0", "auto, a chip name (gpiochip0), a path (/dev/gpiochip0) or a label (pinctrl-rp1)"),
        ("iota.node = ftp://x", NodeURL.expected),
        ("iota.poll_interval = 2d", "a duration from 100ms to 24h (ms, s, min, h)"),
        ("iota.chain = devnet", "mainnet, testnet or any"),
        ("iota.credit_existing = true", "yes or no"),
        ("meter.fault_timeout = -1s", "a duration from 100ms to 24h (ms, s, min, h)"),
        ("watchdog.device = /dev/watch dog", "a path of at most 4095 bytes, printable ASCII without spaces"),
        ("watchdog.timeout = 0s", watchdogSeconds),
        ("watchdog.timeout = 256s", watchdogSeconds),
        ("watchdog.timeout = 1500ms", watchdogSeconds),
        ("watchdog.timeout = 15", watchdogSeconds),
        ("log = file", "stderr or syslog"),
    ]
    expectRefusals(cases, lineNumber: 1, globalMessage)
}

@Test func everyMeterKeyRefusesMalformedValues() {
    let cases: [(String, String)] = [
        ("model = pzem017", "pzem004t, sdm120 or sdm630"),
        ("modbus.address = 0", "1…247"),
        ("modbus.address = 248", "1…247"),
        ("relay.active_low = 1", "yes or no"),
        ("led.line = 1024", "0…1023"),
        ("iota.address = 0x1234", "0x followed by 64 hex digits"),
        ("iota.address = 0x" + String(repeating: "g", count: 64), "0x followed by 64 hex digits"),
        ("max_power = 0W", "a power above 0 and at most 1000kW, like 2300W or 2.3kW"),
        ("max_power = 999999999999kW", "a power above 0 and at most 1000kW, like 2300W or 2.3kW"),
        ("max_power = 1000.1kW", "a power above 0 and at most 1000kW, like 2300W or 2.3kW"),
        ("max_power = 2.33333kW", "a power like 2300W, 2300.5W or 2.3kW"),
        ("max_power.grace = 2h", "a duration from 0ms to 1h (ms, s, min, h)"),
        ("low_credit = 0.0001kWh", "an energy like 100Wh or 1.5kWh (whole Wh)"),
        ("low_credit = 100W", "an energy like 100Wh or 1.5kWh (whole Wh)"),
        ("friendly_hours = 20:00-20:00", "hours like 20:00-08:00 (HH:MM-HH:MM, start and end differ)"),
        ("friendly_hours = 24:00-08:00", "hours like 20:00-08:00 (HH:MM-HH:MM, start and end differ)"),
        ("friendly_hours = 8:00-20:0", "hours like 20:00-08:00 (HH:MM-HH:MM, start and end differ)"),
        ("emergency_credit = 0 IOTA", "an amount like 0.5 IOTA or 500000000 nanos (up to 9 decimals, above 0)"),
        ("emergency_credit = 0.5", "an amount like 0.5 IOTA or 500000000 nanos (up to 9 decimals, above 0)"),
    ]
    expectRefusals(cases, lineNumber: 4, meterMessage)
}

/// Issue 17: free energy is not a tariff; 1000 kW is the most `max_power` may be.
@Test func zeroTariffIsRefusedAndMaxPowerHasAnUpperBound() {
    #expect(messages("[meter a]\nrelay.line = 1\ntariff = 0 IOTA/kWh\n")
            == ["\(file):3: key 'tariff': expected a price above 0 like 0.25 IOTA/kWh or 250000000 nanos/kWh (up to 9 decimals), got '0 IOTA/kWh'"])
    #expect(messages("[meter a]\nrelay.line = 1\ntariff = 0 nanos/kWh\n").count == 1)
    #expect(meterMessage("max_power = 1000kW").isEmpty)
}

/// Issue 17: control characters from the file are escaped in messages, not echoed raw.
@Test func controlCharactersInMessagesAreEscaped() {
    #expect(globalMessage("serial.baud = 96\u{1b}[2J\u{7}00")
            == ["\(file):1: key 'serial.baud': expected 1200…115200, got '96\\x1b[2J\\x0700'"])
    #expect(globalMessage("bogus\u{9b}key = 1") == ["\(file):1: key 'bogus\\x9bkey': unknown key"])
}

@Test func socketPathMustFitSunPath() {
    let long = "/" + String(repeating: "s", count: 107)
    #expect(globalMessage("socket.path = " + long)
            == ["\(file):1: key 'socket.path': expected a path of at most 107 bytes, printable ASCII without spaces, got '\(long.prefix(80))…'"])
    #expect(globalMessage("socket.path = " + long.dropLast()).isEmpty)
}

@Test func structuralErrorsNameFileLineAndKey() {
    #expect(globalMessage("serial.speed = 9600") == ["\(file):1: key 'serial.speed': unknown key"])
    #expect(globalMessage("tariff = 1 IOTA/kWh")
            == ["\(file):1: key 'tariff': is a meter key; it belongs in a [meter NAME] section"])
    #expect(meterMessage("log = syslog")
            == ["\(file):4: key 'log': is a global key; it must come before the first [meter NAME] section"])
    #expect(messages("log = stderr\nlog = syslog" + meterTail) == ["\(file):2: key 'log': already set on line 1"])
    #expect(meterMessage("relay.line = 2") == ["\(file):4: key 'relay.line': already set on line 2"])
    #expect(globalMessage("just words") == ["\(file):1: expected 'key = value', '[meter NAME]' or a # comment, got 'just words'"])
    #expect(globalMessage("two words = x") == ["\(file):1: expected 'key = value', got 'two words = x'"])
    #expect(globalMessage("= x") == ["\(file):1: expected 'key = value', got '= x'"])
    #expect(globalMessage("log =") == ["\(file):1: key 'log': expected stderr or syslog, got ''"])
    #expect(messages("") == ["\(file): no [meter NAME] section; at least one meter is required"])
    #expect(messages("log = stderr\n") == ["\(file): no [meter NAME] section; at least one meter is required"])
}

@Test func sectionHeadersAreChecked() {
    #expect(messages("[meter Main]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n")
            == ["\(file):1: meter name must be 1…32 of a-z 0-9 _ -, got 'Main'"])
    #expect(messages("[meter " + String(repeating: "a", count: 33) + "]\n")
            == ["\(file):1: meter name must be 1…32 of a-z 0-9 _ -, got '\(String(repeating: "a", count: 33))'"])
    #expect(messages("[circuit a]\n") == ["\(file):1: expected '[meter NAME]', got '[circuit a]'"])
    #expect(messages("[meter a\n") == ["\(file):1: expected '[meter NAME]', got '[meter a'"])
    #expect(messages(meterTail + "[meter a]\nrelay.line = 2\ntariff = 1 IOTA/kWh\n")
            == ["\(file):5: meter 'a' is already defined on line 2"])
    let ok = messages("[meter " + String(repeating: "z", count: 32) + "]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n")
    #expect(ok.isEmpty)
}

@Test func requiredMeterKeys() {
    #expect(messages("\n[meter a]\nled.line = 3\n") == [
        "\(file):2: key 'relay.line': required in [meter a], missing",
        "\(file):2: key 'tariff': required in [meter a], missing",
    ])
    // A refused value is reported once, not again as missing.
    #expect(messages("[meter a]\nrelay.line = x\ntariff = 1 IOTA/kWh\n")
            == ["\(file):2: key 'relay.line': expected 0…1023, got 'x'"])
    #expect(messages("[meter a]\nrelay.line = 1\nled.active_low = yes\ntariff = 1 IOTA/kWh\n")
            == ["\(file):3: key 'led.active_low': set without led.line"])
}

@Test func metersMayNotShareAddressesLinesOrReceiveAddresses() {
    let address = "0x" + String(repeating: "a", count: 64)
    let text = """
    [meter a]
    relay.line = 1
    led.line = 2
    iota.address = \(address)
    tariff = 1 IOTA/kWh
    [meter b]
    relay.line = 2
    led.line = 1
    tariff = 1 IOTA/kWh
    iota.address = 0x\(String(repeating: "A", count: 64))
    [meter c]
    modbus.address = 2
    relay.line = 5
    led.line = 5
    tariff = 1 IOTA/kWh
    """
    #expect(messages(text) == [
        "\(file):6: key 'modbus.address': address 1 is already used by meter 'a' (line 1)",
        "\(file):7: key 'relay.line': GPIO line 2 is already used by meter 'a' (line 3)",
        "\(file):8: key 'led.line': GPIO line 1 is already used by meter 'a' (line 2)",
        "\(file):10: key 'iota.address': already the address of meter 'a' (line 4)",
        "\(file):14: key 'led.line': GPIO line 5 is already used by meter 'c' (line 13)",
    ])
}

@Test func simBackendNeedsADirectory() {
    #expect(globalMessage("gpio.backend = sim") == ["\(file):1: key 'gpio.backend': 'sim' requires gpio.sim_dir"])
    #expect(messages("gpio.sim_dir = /tmp/g\ngpio.backend = sim" + meterTail).isEmpty)
}

@Test func allProblemsAreCollectedInFileOrder() {
    let text = "serial.baud = 1\nlog = x\n[meter a]\nrelay.line = 1\ntariff = 1 IOTA/kWh\nmodel = y\n"
    #expect(messages(text) == [
        "\(file):1: key 'serial.baud': expected 1200…115200, got '1'",
        "\(file):2: key 'log': expected stderr or syslog, got 'x'",
        "\(file):6: key 'model': expected pzem004t, sdm120 or sdm630, got 'y'",
    ])
    do {
        _ = try Configuration.parse(text: text, path: file)
        Issue.record("parsed")
    } catch {
        #expect(error.message == messages(text).joined(separator: "\n"))
    }
}
