import Testing
import TestSupport
@testable import Control

/// All events of feeding `chunks` in order, then (optionally) half-closing.
func frame(_ chunks: [[UInt8]], finish: Bool = true) -> [LineFramer.Event] {
    var framer = LineFramer()
    var events: [LineFramer.Event] = []
    for chunk in chunks {
        framer.append(contentsOf: chunk)
        while let event = framer.next() { events.append(event) }
        #expect(framer.pendingCount <= LineFramer.maxLineBytes + 1, "buffer stays bounded")
    }
    if finish, let event = framer.finish() { events.append(event) }
    return events
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

let tooLong = LineFramer.Event.refused(.tooLong("request line longer than 512 bytes"))
let notASCII = LineFramer.Event.refused(.malformed("request is not printable ASCII"))

@Test func linesWithLfAndCrLf() {
    #expect(frame([bytes("status\n")]) == [.line("status")])
    #expect(frame([bytes("status\r\n")]) == [.line("status")])
    #expect(frame([bytes("\n")]) == [.line("")])
    #expect(frame([bytes("help\nversion\r\nstatus main\n")]) == [.line("help"), .line("version"), .line("status main")])
    #expect(frame([bytes("a\tb\n")]) == [.line("a\tb")])
}

@Test func aFinalLineWithoutNewlineCountsAtHalfClose() {
    #expect(frame([bytes("status")]) == [.line("status")])           // printf status | socat …
    #expect(frame([bytes("status\r")]) == [.line("status")])
    #expect(frame([bytes("help\nstatus")]) == [.line("help"), .line("status")])
    #expect(frame([bytes("status")], finish: false) == [])
    #expect(frame([]) == [])
}

@Test func lineLengthLimit() {
    let max = String(repeating: "x", count: 512)
    #expect(frame([bytes(max + "\n")]) == [.line(max)])
    #expect(frame([bytes(max + "\r\n")]) == [.line(max)])
    #expect(frame([bytes(max + "x\n")]) == [tooLong])
    #expect(frame([bytes(max + "x\r\n")]) == [tooLong])
    #expect(frame([bytes(max)]) == [.line(max)])
    #expect(frame([bytes(max + "x")]) == [tooLong])
    // Without any newline the framer refuses as soon as the line cannot fit, and ignores the rest.
    var framer = LineFramer()
    framer.append(contentsOf: bytes(max + "\r"))
    #expect(framer.next() == nil)
    framer.append(contentsOf: bytes("y"))
    #expect(framer.next() == tooLong)
    #expect(framer.isClosed)
    framer.append(contentsOf: bytes("status\n"))
    #expect(framer.next() == nil)
    #expect(framer.finish() == nil)
    // Lines before the long one are still delivered, in order.
    #expect(frame([bytes("help\n" + max + "xx\nstatus\n")]) == [.line("help"), tooLong])
}

@Test func binaryAndNonASCIIAreRefusedPerLine() {
    #expect(frame([[0x73, 0x00, 0x74, 0x0A]]) == [notASCII])
    #expect(frame([bytes("statüs\n")]) == [notASCII])
    #expect(frame([bytes("sta\rtus\n")]) == [notASCII])
    #expect(frame([[0xFF, 0xFE, 0x0A] + bytes("status\n")]) == [notASCII, .line("status")])
    #expect(frame([[0x7F, 0x0A]]) == [notASCII])
    // Binary without a newline is still bounded by the length limit.
    #expect(frame([[UInt8](repeating: 0xAA, count: 2000)]) == [tooLong])
}

@Test func everyChunkingGivesTheSameEvents() {
    let stream = "help\r\nstatus main\n\nbad\u{01}line\ncredit main 2.5 IOTA cash from flat 3\r\n"
        + String(repeating: "p", count: 512) + "\nmetrics\nversion"
    let data = bytes(stream)
    let expected = frame([data])
    #expect(expected.count == 8)
    #expect(expected[3] == notASCII)
    // Every split into two chunks …
    for cut in 0...data.count {
        #expect(frame([Array(data[..<cut]), Array(data[cut...])]) == expected, "cut at \(cut)")
    }
    // … and random splits into many, byte by byte included.
    var random = SeededGenerator(seed: 0x7A6E_1E)
    for _ in 0..<500 {
        var chunks: [[UInt8]] = []
        var index = 0
        while index < data.count {
            let size = Int(random.next() % 24)   // zero-length reads happen too
            let end = min(data.count, index + size)
            chunks.append(Array(data[index..<end]))
            index = end
        }
        #expect(frame(chunks) == expected)
    }
    #expect(frame(data.map { [$0] }) == expected)
}

@Test func manyPipelinedRequestsInOneRead() {
    var text = ""
    for i in 0..<2000 { text += "status m\(i % 7)\n" }
    let events = frame([bytes(text)])
    #expect(events.count == 2000)
    #expect(events[1999] == .line("status m\(1999 % 7)"))
}
