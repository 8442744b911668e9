// Fuzzes the request path of the control socket: the line framer under two chunkings (must agree),
// the request parser (must return or throw, never trap), and replies (must stay framed: data lines
// that cannot be taken for a final line, then exactly one final line).
#if canImport(Control)
import Control
#endif

private let meters = ["main", "flat-2", "b"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let isAdmin = bytes.first.map { $0 & 1 == 1 } ?? false
    let whole = events(bytes, chunk: bytes.count)
    guard events(bytes, chunk: 1 + Int(bytes.first ?? 0) % 7) == whole else {
        fatalError("the framing depends on the chunking")
    }
    for event in whole {
        var reply = Reply()
        switch event {
        case .line(let line):
            guard line.utf8.count <= LineFramer.maxLineBytes else { fatalError("an overlong line passed") }
            do {
                let command = try Request.parse(Substring(line), isAdmin: isAdmin, meters: meters)
                if let meter = command.meterName, !meters.contains(meter) { fatalError("an unknown meter passed") }
                reply.data("echo", line)
                reply.ok()
            } catch {
                if error.code == 403 && isAdmin { fatalError("403 for an admin") }
                reply.error(error)
            }
        case .refused(let error):
            reply.error(error)
        }
        check(reply.text)
    }
    return 0
}

private func events(_ bytes: [UInt8], chunk: Int) -> [LineFramer.Event] {
    var framer = LineFramer()
    var result: [LineFramer.Event] = []
    var index = 0
    while index < bytes.count {
        let end = min(bytes.count, index + max(chunk, 1))
        framer.append(contentsOf: bytes[index..<end])
        while let event = framer.next() { result.append(event) }
        index = end
    }
    if let event = framer.finish() { result.append(event) }
    return result
}

/// Data lines, then one final line, as a client reads them.
private func check(_ text: String) {
    var reader = ReplyReader()
    let read = reader.append(contentsOf: text.utf8)
    guard let last = read.last, reader.isFinished else { fatalError("no final line") }
    switch last {
    case .ok, .error: break
    default: fatalError("the reply did not end with its final line")
    }
    for event in read.dropLast() {
        guard case .data = event else { fatalError("a final line inside the reply") }
    }
}
