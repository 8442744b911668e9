import Testing
import TestSupport
import Ledger
@testable import Control

let reading = MeterReadingView(voltageDecivolts: 2301, currentMilliamps: 12_345, powerDeciwatts: 12_345, energyWh: 98_765,
                               frequencyDecihertz: 500, powerFactorHundredths: 98, alarm: false, ageMs: 412)

let mainView: MeterStatusView = {
    var view = MeterStatusView(name: "main", relayOn: true, reason: .credit, credited: Nanos(5_000_000_000),
                               charged: Nanos(1_250_000_000), billed: WattHours(5000), meterOK: true, payments: 2,
                               reading: reading, counters: MeterCountersView(reads: 100, timeouts: 3, crcErrors: 1, exceptions: 0))
    view.creditLeftSeconds = 5400
    return view
}()

let idleView = MeterStatusView(name: "flat-2", relayOn: false, reason: .starting, credited: .zero, charged: Nanos(7),
                               billed: WattHours(0), meterOK: false, payments: 0, reading: nil, counters: MeterCountersView())

let daemonView = DaemonStatusView(meters: [mainView, idleView], node: .off, journal: .ok, uptimeSeconds: 3600,
                                  gpio: "libgpiod-2.2.1", watchdog: true)

/// The data lines of a finished reply, checked for the protocol's framing on the way.
func dataLines(_ reply: Reply) -> [String] {
    var lines = reply.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.last == "")
    lines.removeLast()
    #expect(lines.last == "OK" || lines.last?.hasPrefix("ERR ") == true)
    lines.removeLast()
    for line in lines { #expect(Reply.isDataLine(line), "\(line)") }
    return lines
}

@Test func statusLinesExactly() {
    var reply = Reply()
    reply.status(daemonView)
    reply.ok()
    #expect(reply.text == """
    main.relay on
    main.reason credit
    main.balance_nanos 3750000000
    main.credited_nanos 5000000000
    main.charged_nanos 1250000000
    main.billed_wh 5000
    main.meter_energy_wh 98765
    main.power_w 1234.5
    main.voltage_v 230.1
    main.current_a 12.345
    main.meter ok
    main.payments 2
    main.credit_left_s 5400
    flat-2.relay off
    flat-2.reason starting
    flat-2.balance_nanos -7
    flat-2.credited_nanos 0
    flat-2.charged_nanos 7
    flat-2.billed_wh 0
    flat-2.meter_energy_wh 0
    flat-2.power_w 0.0
    flat-2.voltage_v 0.0
    flat-2.current_a 0.000
    flat-2.meter fault
    flat-2.payments 0
    flat-2.credit_left_s unknown
    node off
    gpio libgpiod-2.2.1
    watchdog on
    journal ok
    uptime_s 3600
    OK

    """)
}

@Test func statusInvariantAndLineSetForAnyValues() {
    var random = SeededGenerator(seed: 42)
    let keys = ["relay", "reason", "balance_nanos", "credited_nanos", "charged_nanos", "billed_wh", "meter_energy_wh",
                "power_w", "voltage_v", "current_a", "meter", "payments", "credit_left_s"]
    for _ in 0..<300 {
        var view = mainView
        view.credited = Nanos(Int64(bitPattern: random.next()))
        view.charged = Nanos(Int64(bitPattern: random.next()))
        var reply = Reply()
        reply.status(DaemonStatusView(meters: [view], node: .fault, journal: .full, uptimeSeconds: 1), meter: "main")
        reply.ok()
        let lines = dataLines(reply)
        #expect(lines.map { String($0.split(separator: " ")[0]) } == keys.map { "main." + $0 } + ["node", "gpio", "watchdog", "journal", "uptime_s"])
        var values: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 1)
            values[String(parts[0])] = String(parts[1])
        }
        let balance = Int128(values["main.balance_nanos"]!)!
        #expect(balance == Int128(values["main.credited_nanos"]!)! - Int128(values["main.charged_nanos"]!)!)
    }
}

/// Issue 17: a damaged journal's replay stopped at the damage: its sums are shown as unknown,
/// in status, watch and metrics, never as a balance.
@Test func damagedJournalShowsTheMoneyFiguresAsUnknown() {
    var reply = Reply()
    reply.status(DaemonStatusView(meters: [mainView], node: .off, journal: .damaged, uptimeSeconds: 1), meter: "main")
    reply.ok()
    let values = Dictionary(uniqueKeysWithValues: dataLines(reply).map { line in
        let parts = line.split(separator: " ", maxSplits: 1)
        return (String(parts[0]), String(parts[1]))
    })
    for key in ["balance_nanos", "credited_nanos", "charged_nanos", "billed_wh", "payments"] {
        #expect(values["main." + key] == "unknown")
    }
    #expect(values["main.relay"] != nil && values["journal"] == "damaged")
    #expect(watchLine(unixMs: 5, meter: mainView, moneyKnown: false).contains(" balance_nanos=unknown "))
    var metrics = Reply()
    metrics.metrics(DaemonStatusView(meters: [mainView], node: .off, journal: .damaged, uptimeSeconds: 1))
    #expect(!metrics.text.contains("tanglemeter_balance_nanos{"))
    #expect(!metrics.text.contains("tanglemeter_credited_nanos_total{"))
    #expect(metrics.text.contains("tanglemeter_journal_damaged 1\n"))
}

@Test func journalWriteFailureShowsInStatusAndMetrics() {
    for (health, failing) in [(JournalHealth.full, "1"), (.failing, "1"), (.ok, "0"), (.damaged, "0")] {
        let view = DaemonStatusView(meters: [mainView], node: .off, journal: health, uptimeSeconds: 1)
        var reply = Reply()
        reply.status(view)
        #expect(reply.text.contains("\njournal \(health.rawValue)\n"))
        var metrics = Reply()
        metrics.metrics(view)
        #expect(metrics.text.contains("\ntanglemeter_journal_write_failing \(failing)\n"))
    }
}

@Test func statusOfOneMeter() {
    var reply = Reply()
    reply.status(daemonView, meter: "flat-2")
    reply.ok()
    let lines = dataLines(reply)
    #expect(lines.count == 18)
    #expect(lines.allSatisfy { !$0.hasPrefix("main.") })
}

@Test func meterDetailLines() {
    var reply = Reply()
    reply.meterDetail(mainView)
    reply.ok()
    #expect(dataLines(reply) == [
        "main.meter ok", "main.model pzem004t", "main.voltage_v 230.1", "main.current_a 12.345", "main.power_w 1234.5", "main.energy_wh 98765",
        "main.frequency_hz 50.0", "main.power_factor 0.98", "main.alarm off", "main.reading_age_ms 412", "main.reads 100",
        "main.timeouts 3", "main.crc_errors 1", "main.exceptions 0",
    ])
    var idle = Reply()
    idle.meterDetail(idleView)
    idle.ok()
    #expect(dataLines(idle) == ["flat-2.meter fault", "flat-2.model pzem004t", "flat-2.reads 0", "flat-2.timeouts 0", "flat-2.crc_errors 0",
                                "flat-2.exceptions 0"])
}

@Test func threePhaseDetailListsEachLine() {
    var view = mainView
    view.model = "sdm630"
    view.reading?.phases = [MeterPhaseView(voltageDecivolts: 2301, currentMilliamps: 1500, powerDeciwatts: 3450),
                            MeterPhaseView(voltageDecivolts: 2290, currentMilliamps: 0, powerDeciwatts: 0),
                            MeterPhaseView(voltageDecivolts: 2310, currentMilliamps: 10_000, powerDeciwatts: 23_100)]
    var reply = Reply()
    reply.meterDetail(view)
    reply.ok()
    let lines = dataLines(reply)
    #expect(lines[1] == "main.model sdm630")
    #expect(Array(lines[9..<18]) == ["main.l1.voltage_v 230.1", "main.l1.current_a 1.500", "main.l1.power_w 345.0",
                                     "main.l2.voltage_v 229.0", "main.l2.current_a 0.000", "main.l2.power_w 0.0",
                                     "main.l3.voltage_v 231.0", "main.l3.current_a 10.000", "main.l3.power_w 2310.0"])
}

@Test func paymentsNewestFirst() {
    let digests = (1...15).map { txDigest("D\($0)") }
    let payments = (1...15).map { Payment(digest: digests[$0 - 1], amount: Nanos(Int64($0) * 1000), checkpoint: UInt64($0),
                                          timestampMs: WallClockMs(1_700_000_000_000 + Int64($0))) }
    var reply = Reply()
    reply.payments(payments, count: 3)
    reply.ok()
    #expect(dataLines(reply) == ["payment \(digests[14].text) 15000 1700000000015", "payment \(digests[13].text) 14000 1700000000014",
                                 "payment \(digests[12].text) 13000 1700000000013"])
    var all = Reply()
    all.payments(Array(payments.prefix(2)), count: 10)
    all.ok()
    #expect(dataLines(all) == ["payment \(digests[1].text) 2000 1700000000002", "payment \(digests[0].text) 1000 1700000000001"])
}

@Test func watchAndVersionLines() {
    #expect(watchLine(unixMs: 1_700_000_000_123, meter: mainView)
            == "1700000000123 main relay=on balance_nanos=3750000000 power_w=1234.5 energy_wh=98765\n")
    #expect(watchLine(unixMs: 5, meter: idleView) == "5 flat-2 relay=off balance_nanos=-7 power_w=0.0 energy_wh=0\n")
    var reply = Reply()
    reply.version("0.1.0")
    reply.ok()
    #expect(reply.text == "version 0.1.0\nOK\n")
}

@Test func fixedPointIsExact() {
    #expect(FixedPoint.format(12_345, decimals: 1) == "1234.5")
    #expect(FixedPoint.format(-5, decimals: 1) == "-0.5")
    #expect(FixedPoint.format(7, decimals: 3) == "0.007")
    #expect(FixedPoint.format(Int128(Int64.min), decimals: 3) == "-9223372036854775.808")
    #expect(FixedPoint.format(42, decimals: 0) == "42")
    #expect(FixedPoint.format(Int128(Int64.max) - Int128(Int64.min), decimals: 0) == "18446744073709551615")
    #expect(FixedPoint.format(Int128(Int64.min) - Int128(Int64.max), decimals: 0) == "-18446744073709551615")
}

@Test func noDataLineCanForgeAFinalLine() {
    var reply = Reply()
    reply.data("OK", "x")                       // keys are lowercased into `__`
    reply.data("ERR", "y")
    reply.data("main.note", "a\nOK\nERR 500 z")  // values are made one line
    reply.data("main.name", "flat ü")
    reply.error(.unavailable("meter main\nis silent"))
    reply.data("after", "ignored")
    reply.ok()
    #expect(reply.text == "__ x\n___ y\nmain.note a?OK?ERR 500 z\nmain.name flat ?\nERR 503 meter main?is silent\n")
    #expect(reply.isFinished)
}
