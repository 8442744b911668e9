import IotaRPC
import Ledger

extension Configuration {
    /// Parses and validates a configuration file's text (DESIGN §3.2). `path` is only used in
    /// messages. Collects every problem in the file, in order, instead of stopping at the first.
    ///
    /// Syntax: blank lines; `# comment` lines; a trailing comment after whitespace
    /// (`key = value  # why`); `key = value` (spaces around `=` optional); `[meter NAME]`.
    public static func parse(text: String, path: String) throws(ConfigError) -> Configuration {
        var parser = ConfigParser(path: path)
        var lineNumber = 0
        // Split on the byte: as Characters, "\r\n" is one grapheme and would not split on "\n".
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            parser.line(Substring(rawLine), number: lineNumber)
        }
        return try parser.finish()
    }
}

/// The line-by-line state of one parse: the configuration so far, the meter section being read,
/// and the problems found.
struct ConfigParser {
    let path: String
    var configuration = Configuration()
    var globalKeyLines = [String: Int]()
    var drafts: [MeterDraft] = []
    /// Inside a section whose header was refused: its keys are skipped, not blamed on the globals.
    var inBadSection = false
    var problems: [ConfigProblem] = []

    init(path: String) { self.path = path }

    /// Records a problem in file order: problems of the file as a whole (line 0) after every
    /// numbered line, equal lines in the order found. Most come in line order (the parser reads
    /// top down), so the place is found in a step or two from the end; sections' problems, found
    /// when the file ends, move back to their lines.
    mutating func problem(_ line: Int, _ key: String?, _ text: String) {
        let rank = line == 0 ? Int.max : line
        var index = problems.endIndex
        while index > problems.startIndex {
            let previous = problems[index - 1].line
            if (previous == 0 ? Int.max : previous) <= rank { break }
            index -= 1
        }
        problems.insert(ConfigProblem(path: path, line: line, key: key, text: text), at: index)
    }

    mutating func line(_ raw: Substring, number: Int) {
        var content = raw
        if content.last == "\r" { content = content.dropLast() }
        content = Self.strippingComment(content)
        content = Self.trimmed(content)
        if content.isEmpty { return }
        if content.first == "[" {
            section(content, number: number)
            return
        }
        guard let equals = content.firstIndex(of: "=") else {
            problem(number, nil, "expected 'key = value', '[meter NAME]' or a # comment, got '\(Self.shown(content))'")
            return
        }
        let key = Self.trimmed(content[..<equals])
        let value = Self.trimmed(content[content.index(after: equals)...])
        guard !key.isEmpty, !key.contains(" "), !key.contains("\t") else {
            problem(number, nil, "expected 'key = value', got '\(Self.shown(content))'")
            return
        }
        if inBadSection { return }
        let keyText = String(key)
        do throws(KeyProblem) {
            if drafts.isEmpty {
                if let first = globalKeyLines[keyText] {
                    problem(number, keyText, "already set on line \(first)")
                    return
                }
                try configuration.set(key, value)
                globalKeyLines[keyText] = number
            } else {
                let index = drafts.count - 1
                if let first = drafts[index].keyLines[keyText] {
                    problem(number, keyText, "already set on line \(first)")
                    return
                }
                try drafts[index].set(key, value)
                drafts[index].keyLines[keyText] = number
            }
        } catch {
            switch error {
            case .unknown: problem(number, keyText, "unknown key")
            case .wrongScope(let hint): problem(number, keyText, "is \(hint)")
            case .invalid(let expected):
                if !drafts.isEmpty { drafts[drafts.count - 1].failedKeys.insert(keyText) }
                problem(number, keyText, "expected \(expected.text), got '\(Self.shown(value))'")
            }
        }
    }

    /// `[meter NAME]`
    mutating func section(_ content: Substring, number: Int) {
        inBadSection = true
        guard content.last == "]" else {
            problem(number, nil, "expected '[meter NAME]', got '\(Self.shown(content))'")
            return
        }
        let words = content.dropFirst().dropLast().split(separator: " ")
        guard words.count == 2, words[0] == "meter" else {
            problem(number, nil, "expected '[meter NAME]', got '\(Self.shown(content))'")
            return
        }
        let name = words[1]
        guard Values.isMeterName(name) else {
            problem(number, nil, "meter name must be 1…32 of a-z 0-9 _ -, got '\(Self.shown(name))'")
            return
        }
        if let other = drafts.first(where: { $0.name == name }) {
            problem(number, nil, "meter '\(name)' is already defined on line \(other.line)")
            return
        }
        inBadSection = false
        drafts.append(MeterDraft(name: String(name), line: number))
    }

    /// Completes the meters, checks what involves several keys, and returns or throws.
    mutating func finish() throws(ConfigError) -> Configuration {
        for draft in drafts {
            if let meter = complete(draft) { configuration.meters.append(meter) }
        }
        checkGlobals()
        checkConflicts()
        if drafts.isEmpty && !inBadSection {
            problem(0, nil, "no [meter NAME] section; at least one meter is required")
        }
        if !problems.isEmpty { throw .invalid(problems) }
        return configuration
    }

    /// A meter with its required keys, or nil (with problems recorded).
    mutating func complete(_ draft: MeterDraft) -> MeterConfig? {
        var config = draft.config
        guard let relayLine = draft.relayLine, let tariff = draft.tariff else {
            if draft.relayLine == nil && !draft.failedKeys.contains("relay.line") {
                problem(draft.line, "relay.line", "required in [meter \(draft.name)], missing")
            }
            if draft.tariff == nil && !draft.failedKeys.contains("tariff") {
                problem(draft.line, "tariff", "required in [meter \(draft.name)], missing")
            }
            return nil
        }
        config.relay.offset = UInt32(clamping: relayLine)   // 0…1023, checked by Keys.lineOffsets
        config.tariff = tariff
        if let ledLine = draft.ledLine {
            config.led = GPIOLine(offset: UInt32(clamping: ledLine), activeLow: draft.ledActiveLow)
        } else if let line = draft.keyLines["led.active_low"] {
            problem(line, "led.active_low", "set without led.line")
        }
        return config
    }

    mutating func checkGlobals() {
        if configuration.gpio.backend == .sim && configuration.gpio.simDir == nil {
            problem(globalKeyLines["gpio.backend"] ?? 0, "gpio.backend", "'sim' requires gpio.sim_dir")
        }
    }

    /// Meters share one bus and one GPIO chip: addresses, lines and receive addresses are unique.
    mutating func checkConflicts() {
        var addresses = [Int: (String, Int)]()
        var lines = [Int: (String, Int)]()
        var iotaAddresses = [IotaAddress: (String, Int)]()
        for draft in drafts where !draft.failedKeys.contains("modbus.address") {
            let addressLine = draft.keyLines["modbus.address"] ?? draft.line
            if let (other, line) = addresses[draft.config.modbusAddress] {
                problem(addressLine, "modbus.address",
                        "address \(draft.config.modbusAddress) is already used by meter '\(other)' (line \(line))")
            } else {
                addresses[draft.config.modbusAddress] = (draft.name, addressLine)
            }
            for (key, offset) in [("relay.line", draft.relayLine), ("led.line", draft.ledLine)] {
                guard let offset, let keyLine = draft.keyLines[key] else { continue }
                if let (other, line) = lines[offset] {
                    problem(keyLine, key, "GPIO line \(offset) is already used by meter '\(other)' (line \(line))")
                } else {
                    lines[offset] = (draft.name, keyLine)
                }
            }
            if let address = draft.config.iotaAddress, let keyLine = draft.keyLines["iota.address"] {
                if let (other, line) = iotaAddresses[address] {
                    problem(keyLine, "iota.address", "already the address of meter '\(other)' (line \(line))")
                } else {
                    iotaAddresses[address] = (draft.name, keyLine)
                }
            }
        }
    }

    /// Drops a trailing comment: `#` at the start or after a space or tab. A `#` inside a value
    /// (`http://host/#x`) stays.
    static func strippingComment(_ line: Substring) -> Substring {
        var previous: Character = " "
        for index in line.indices {
            let c = line[index]
            if c == "#" && (previous == " " || previous == "\t") { return line[..<index] }
            previous = c
        }
        return line
    }

    static func trimmed(_ text: Substring) -> Substring {
        var result = text
        while let c = result.first, c == " " || c == "\t" { result = result.dropFirst() }
        while let c = result.last, c == " " || c == "\t" { result = result.dropLast() }
        return result
    }

    /// The offending text for a message, cut short so one bad line cannot flood the log.
    static func shown(_ text: Substring) -> String {
        text.count <= 80 ? String(text) : String(text.prefix(80)) + "…"
    }
}
