// node-probe: the node transport alone in an Embedded Swift binary, to measure what libcurl costs
// in memory. Prints VmRSS and RssAnon (kB) at each step:
//   node-probe URL [CA_FILE|-] [REQUESTS]
// Built and run by Tests/support/measure_node_rss.sh; not part of the shipped firmware.
import CSystem

@_cdecl("main")
func probeMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    let args = arguments(argc: argc, argv: argv)
    guard args.count >= 2 else { writeStderr("usage: node-probe URL [CA_FILE|-] [REQUESTS]\n"); return 1 }
    let caFile = args.count >= 3 && args[2] != "-" ? args[2] : nil
    let requests = args.count >= 4 ? Int(args[3]) ?? 1 : 1
    report("start")
    let transport: NodeTransport
    do { transport = try NodeTransport(caFile: caFile) } catch { writeStderr(error.message + "\n"); return 1 }
    report("after curl_global_init + multi")
    for n in 1...max(1, requests) {
        let id: NodeRequestID
        do { id = try transport.post(url: args[1], body: Array(#"{"jsonrpc":"2.0","id":1}"#.utf8)) }
        catch { writeStderr(error.message + "\n"); return 1 }
        var slowestWorkMs: Int64 = 0
        var turns = 0
        var done: NodeOutcome? = nil
        while done == nil {
            turns += 1
            var fds = transport.pollDescriptors().map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
            var timeout: Int64 = 20  // the daemon always has other deadlines
            if let deadline = transport.nextDeadlineMs { timeout = max(0, min(timeout, deadline - Clock.monotonicMs())) }
            _ = poll(&fds, nfds_t(fds.count), Int32(timeout))
            let workStart = Clock.monotonicMs()
            for entry in fds where entry.revents != 0 { transport.handle(fd: entry.fd, revents: entry.revents) }
            if let deadline = transport.nextDeadlineMs, Clock.monotonicMs() >= deadline { transport.handleTimeout() }
            for completion in transport.takeCompleted() where completion.id == id { done = completion.outcome }
            slowestWorkMs = max(slowestWorkMs, Clock.monotonicMs() - workStart)
        }
        let loop = "\(turns) turns, slowest turn work \(slowestWorkMs) ms"
        switch done {
        case let .ok(status, body)?: report("after request \(n): HTTP \(status), \(body.count) bytes, \(loop)")
        case let .failed(error)?: report("after request \(n): \(error.message), \(loop)")
        case nil: break
        }
    }
    return 0
}

/// Prints `LABEL: VmRSS N kB, RssAnon N kB` from /proc/self/status.
func report(_ label: String) {
    let fd = tm_open("/proc/self/status", O_RDONLY, 0)
    guard fd >= 0 else { return }
    defer { _ = close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    var line = label + ":"
    for entry in String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    where entry.hasPrefix("VmRSS") || entry.hasPrefix("RssAnon") {
        let fields = entry.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count >= 2 { line += " \(fields[0]) \(fields[1]) kB" }
    }
    writeStderr(line + "\n")
}
