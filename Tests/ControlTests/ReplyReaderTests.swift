import Testing
@testable import Control

func read(_ chunks: [String], close: Bool = true) -> [ReplyReader.Event] {
    var reader = ReplyReader()
    var events: [ReplyReader.Event] = []
    for chunk in chunks { events += reader.append(contentsOf: chunk.utf8) }
    if close, let end = reader.finish() { events.append(end) }
    return events
}

@Test func dataLinesThenTheFinalLine() {
    #expect(read(["main.relay on\nnode ok\nOK\n"]) == [.data("main.relay on"), .data("node ok"), .ok])
    #expect(read(["ma", "in.relay o", "n\r\nO", "K\n"]) == [.data("main.relay on"), .ok])
    #expect(read(["ERR 404 unknown meter 'x'\n"]) == [.error(code: 404, line: "ERR 404 unknown meter 'x'")])
    #expect(read(["version 0.1.0\nOK\nextra\n"]) == [.data("version 0.1.0"), .ok])   // nothing after the final line
    #expect(read(["OKAY 1\nOK\n"]) == [.data("OKAY 1"), .ok])
}

@Test func brokenReplies() {
    #expect(read(["main.relay on\n"]) == [.data("main.relay on"), .broken("connection closed before the reply ended")])
    #expect(read(["OK"]) == [.broken("connection closed before the reply ended")])
    let huge = String(repeating: "x", count: ReplyReader.maxLineBytes + 1)
    #expect(read([huge]) == [.broken("reply line longer than 65536 bytes")])
}

@Test func theQueryLine() throws {
    #expect(try queryLine(["status"]) == "status\n")
    #expect(try queryLine(["credit", "main", "2.5", "IOTA", "cash from flat 3"]) == "credit main 2.5 IOTA cash from flat 3\n")
    #expect(throws: ControlError.malformed("no command; try: query help")) { try queryLine([]) }
    #expect(throws: ControlError.malformed("request is not printable ASCII")) { try queryLine(["status\n"]) }
    #expect(throws: ControlError.malformed("request is not printable ASCII")) { try queryLine(["statüs"]) }
    #expect(throws: ControlError.tooLong("request line longer than 512 bytes")) {
        try queryLine(["x", String(repeating: "y", count: 511)])
    }
    #expect(try queryLine([String(repeating: "y", count: 512)]).utf8.count == 513)
}

@Test func aServerRoundTrip() throws {
    // The pieces as the daemon and the CLI use them: framer → request → reply → reader.
    var framer = LineFramer()
    framer.append(contentsOf: try queryLine(["status", "main"]).utf8)
    framer.append(contentsOf: "relay main on\n".utf8)
    var output = ""
    while let event = framer.next() {
        var reply = Reply()
        switch event {
        case .line(let line):
            do {
                switch try Request.parse(Substring(line), isAdmin: false, meters: ["main"]) {
                case .status(let meter): reply.status(daemonView, meter: meter); reply.ok()
                default: reply.ok()
                }
            } catch {
                reply.error(error)
            }
        case .refused(let error): reply.error(error)
        }
        output += reply.text
    }
    var reader = ReplyReader()
    let events = reader.append(contentsOf: output.utf8)
    #expect(events.count == 19)    // 13 meter lines, node, gpio, watchdog, journal, uptime_s, OK
    #expect(events[18] == .ok)
    #expect(events[0] == .data("main.relay on"))
    var second = ReplyReader()
    let rest = output.split(separator: "\n").suffix(1).joined() + "\n"
    #expect(second.append(contentsOf: rest.utf8) == [.error(code: 403, line: "ERR 403 'relay' is an admin command")])
}
