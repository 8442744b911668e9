import Testing
import Ledger
@testable import Control

let meters = ["main", "flat-2"]

func parse(_ line: String, admin: Bool = true) throws(ControlError) -> Command {
    try Request.parse(Substring(line), isAdmin: admin, meters: meters)
}

/// The error code of parsing `line`, or 0 if it parsed.
func code(_ line: String, admin: Bool = true) -> Int {
    do {
        _ = try parse(line, admin: admin)
        return 0
    } catch {
        return error.code
    }
}

@Test func everyCommandParses() throws {
    #expect(try parse("help") == .help)
    #expect(try parse("version") == .version)
    #expect(try parse("status") == .status(meter: nil))
    #expect(try parse("status main") == .status(meter: "main"))
    #expect(try parse("  status \t flat-2  ") == .status(meter: "flat-2"))
    #expect(try parse("meter main") == .meter("main"))
    #expect(try parse("payments main") == .payments(meter: "main", count: 10))
    #expect(try parse("payments main 3") == .payments(meter: "main", count: 3))
    #expect(try parse("payments main 1000") == .payments(meter: "main", count: 1000))
    #expect(try parse("watch") == .watch(meter: nil))
    #expect(try parse("watch main") == .watch(meter: "main"))
    #expect(try parse("metrics") == .metrics)
    #expect(try parse("credit main 2.5 IOTA cash from flat 3")
            == .credit(meter: "main", amount: Nanos(2_500_000_000), note: "cash from flat 3"))
    #expect(try parse("credit main 7 nanos") == .credit(meter: "main", amount: Nanos(7), note: ""))
    #expect(try parse("credit main 0.000000001 IOTA  two  spaces kept  ")
            == .credit(meter: "main", amount: Nanos(1), note: "two  spaces kept"))
    #expect(try parse("relay main on") == .relay(meter: "main", .on))
    #expect(try parse("relay main off") == .relay(meter: "main", .off))
    #expect(try parse("relay flat-2 auto") == .relay(meter: "flat-2", .auto))
    #expect(try parse("reset-energy main") == .resetEnergy(meter: "main"))
    #expect(try parse("reload") == .reload)
    #expect(try parse("credit main 1 IOTA x").meterName == "main")
    #expect(try parse("status").meterName == nil)
}

@Test func errorCodes() {
    // 404: unknown command (case-sensitive) or meter
    for line in ["stat", "STATUS", "Help", "quit", "status-main"] { #expect(code(line) == 404, "\(line)") }
    for line in ["status kitchen", "meter Main", "payments x", "watch x", "credit x 1 IOTA", "relay x on",
                 "reset-energy x"] { #expect(code(line) == 404, "\(line)") }
    // 400: empty or malformed arguments
    for line in ["", "   ", "help me", "version 2", "metrics x", "reload now", "status main flat-2", "meter",
                 "meter main x", "payments", "payments main 0", "payments main 1001", "payments main -1",
                 "payments main 3 4", "payments main x", "watch main x", "credit main", "credit main 1",
                 "credit main 1.5 nanos", "credit main 0.0000000001 IOTA", "credit main 1 iota",
                 "credit main 0 IOTA", "credit main -1 IOTA", "credit main 1e9 nanos",
                 "credit main 99999999999 IOTA", "relay main", "relay main toggle", "relay main on now",
                 "reset-energy", "reset-energy main x"] {
        #expect(code(line) == 400, "\(line)")
    }
    // 403: admin commands from a non-admin, decided before arguments and meters are looked at
    for line in ["credit main 1 IOTA", "credit", "relay nosuch on", "reset-energy main", "reload", "reload x"] {
        #expect(code(line, admin: false) == 403, "\(line)")
    }
    for line in ["help", "version", "status", "meter main", "payments main", "watch", "metrics"] {
        #expect(code(line, admin: false) == 0, "\(line)")
    }
}

@Test func errorMessages() {
    func message(_ line: String, admin: Bool = true) -> String {
        do { _ = try parse(line, admin: admin); return "" } catch { return error.replyLine }
    }
    #expect(message("frobnicate") == "ERR 404 unknown command 'frobnicate'; try help")
    #expect(message("status kitchen") == "ERR 404 unknown meter 'kitchen'")
    #expect(message("reload", admin: false) == "ERR 403 'reload' is an admin command")
    #expect(message("relay main up") == "ERR 400 usage: relay METER on|off|auto")
    #expect(message("") == "ERR 400 empty request; try help")
    #expect(message("credit main 1.0000000001 IOTA")
            == "ERR 400 invalid amount '1.0000000001': at most 9 decimals for IOTA")
    #expect(message("payments main 0") == "ERR 400 N must be 1...1000, got '0'")
    let long = String(repeating: "z", count: 100)
    #expect(message(long) == "ERR 404 unknown command '\(String(repeating: "z", count: 40))...'; try help")
}

@Test func theCommandTableDrivesHelpAndAdmin() {
    #expect(CommandSpec.all.map(\.name) == ["help", "version", "status", "meter", "payments", "watch", "metrics",
                                            "credit", "relay", "reset-energy", "reload"])
    for spec in CommandSpec.all {
        let line = spec.name + " main 1 IOTA"
        if spec.admin { #expect(code(line, admin: false) == 403, "\(spec.name)") }
        else { #expect(code(line, admin: false) != 403, "\(spec.name)") }
    }
    var reply = Reply()
    reply.help()
    reply.ok()
    #expect(reply.text == """
    command help
    command version
    command status [METER]
    command meter METER
    command payments METER [N]
    command watch [METER]
    command metrics
    command credit METER AMOUNT IOTA|nanos [NOTE...] (admin)
    command relay METER on|off|auto (admin)
    command reset-energy METER (admin)
    command reload (admin)
    OK

    """)
}

/// The journal keeps notes of at most 256 bytes: a longer one is refused as malformed (400) at
/// parse time, instead of reaching the journal and coming back as 503 "the journal refused".
@Test func aCreditNoteLongerThanTheJournalKeepsIsMalformed() throws {
    let fits = String(repeating: "n", count: Request.maxNoteBytes)
    #expect(try parse("credit main 1 IOTA \(fits)") == .credit(meter: "main", amount: Nanos(1_000_000_000), note: fits))
    #expect(code("credit main 1 IOTA \(fits)n") == 400)
}
