import Testing
import Ledger
@testable import Control

/// Checks text against the Prometheus text exposition format 0.0.4 and returns the samples
/// (`name{labels}` → value). Records an issue for every rule broken.
func parseExposition(_ text: String) -> [String: Double] {
    var samples: [String: Double] = [:]
    var typed: [String: String] = [:]
    var finishedFamilies: Set<String> = []
    var currentFamily = ""
    #expect(text.hasSuffix("\n"))
    func isName(_ s: Substring) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first == ":" || first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0 == ":" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
    for line in text.split(separator: "\n") {
        if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ", maxSplits: 3)
            #expect(parts.count == 4, "\(line)")
            let name = String(parts[2])
            #expect(isName(parts[2]), "\(line)")
            if line.hasPrefix("# TYPE ") {
                #expect(["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[3])), "\(line)")
                #expect(typed[name] == nil, "one TYPE per family: \(line)")
                typed[name] = String(parts[3])
                if parts[3] == "counter" { #expect(name.hasSuffix("_total"), "\(line)") }
            }
            if name != currentFamily {
                #expect(!finishedFamilies.contains(name), "family lines are contiguous: \(line)")
                if !currentFamily.isEmpty { finishedFamilies.insert(currentFamily) }
                currentFamily = name
            }
            continue
        }
        #expect(!line.hasPrefix("#"), "\(line)")
        let nameEnd = line.firstIndex { $0 == "{" || $0 == " " }!
        let name = String(line[..<nameEnd])
        #expect(isName(line[..<nameEnd]), "\(line)")
        #expect(name == currentFamily, "sample after its own TYPE: \(line)")
        #expect(typed[name] != nil, "\(line)")
        var rest = line[nameEnd...]
        if rest.first == "{" {
            let close = rest.firstIndex(of: "}")!
            let labels = rest[rest.index(after: rest.startIndex)..<close]
            for pair in labels.split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                #expect(kv.count == 2 && isName(kv[0]), "\(line)")
                #expect(kv[1].hasPrefix("\"") && kv[1].hasSuffix("\"") && kv[1].count >= 2, "\(line)")
            }
            rest = rest[rest.index(after: close)...]
        }
        #expect(rest.first == " ", "\(line)")
        let value = Double(rest.dropFirst())
        #expect(value != nil, "\(line)")
        let key = String(line[..<rest.startIndex])
        #expect(samples[key] == nil, "no duplicate series: \(line)")
        samples[key] = value ?? .nan
    }
    return samples
}

@Test func metricsFollowTheExpositionFormat() {
    var reply = Reply()
    reply.metrics(daemonView)
    reply.ok()
    let lines = dataLines(reply)
    #expect(lines.allSatisfy { $0.hasPrefix("#") || $0.hasPrefix("tanglemeter_") })
    var body = ""
    for line in lines { body += line + "\n" }
    let samples = parseExposition(body)
    #expect(samples["tanglemeter_balance_nanos{meter=\"main\"}"] == 3_750_000_000)
    #expect(samples["tanglemeter_balance_nanos{meter=\"flat-2\"}"] == -7)
    #expect(samples["tanglemeter_credited_nanos_total{meter=\"main\"}"] == 5_000_000_000)
    #expect(samples["tanglemeter_power_watts{meter=\"main\"}"] == 1234.5)
    #expect(samples["tanglemeter_power_watts{meter=\"flat-2\"}"] == nil)      // no reading yet: absent
    #expect(samples["tanglemeter_current_amperes{meter=\"main\"}"] == 12.345)
    #expect(samples["tanglemeter_relay_closed{meter=\"flat-2\"}"] == 0)
    #expect(samples["tanglemeter_relay_reason{meter=\"main\",reason=\"credit\"}"] == 1)
    #expect(samples["tanglemeter_modbus_timeouts_total{meter=\"main\"}"] == 3)
    #expect(samples["tanglemeter_node_state{state=\"off\"}"] == 1)
    #expect(samples["tanglemeter_node_state{state=\"ok\"}"] == 0)
    #expect(samples["tanglemeter_journal_damaged"] == 0)
    #expect(samples["tanglemeter_uptime_seconds"] == 3600)
}

@Test func labelValuesAreEscaped() {
    let family = MetricFamily(reply: Reply())
    #expect(family.escapedLabelValue("odd \"reason\" \\ here\n") == "odd \\\"reason\\\" \\\\ here?")
}

@Test func theNodeInUseAndThePaymentCounters() {
    var view = daemonView
    view.node = .ok
    view.nodeURL = "jsonrpc:https://indexer.mainnet.iota.cafe"
    view.nodeFailovers = 3
    view.paymentsSkipped = 1
    view.paymentHistoryGaps = 2
    var status = Reply()
    status.status(view)
    status.ok()
    let lines = dataLines(status)
    #expect(lines.contains("node ok") && lines.contains("node.url jsonrpc:https://indexer.mainnet.iota.cafe"))
    #expect(lines.firstIndex(of: "node.url jsonrpc:https://indexer.mainnet.iota.cafe") == lines.firstIndex(of: "node ok")! + 1)
    var metrics = Reply()
    metrics.metrics(view)
    metrics.ok()
    let samples = parseExposition(dataLines(metrics).map { $0 + "\n" }.joined())
    #expect(samples["tanglemeter_node_failovers_total"] == 3)
    #expect(samples["tanglemeter_payment_history_gaps_total"] == 2)
    // Payments off: no node.url line.
    var off = Reply()
    off.status(daemonView)
    off.ok()
    #expect(!dataLines(off).contains { $0.hasPrefix("node.url") })
}
