import CSystem
import Testing
@testable import OS

@Suite struct DescriptorTests {
    @Test func aPipeReadsWhatWasWrittenThenWouldBlockThenEnds() throws {
        let pipe = Pipe()
        try pipe.readEnd.setNonBlocking()
        #expect(try pipe.readEnd.read(upTo: 16) == nil)     // nothing yet: would block
        #expect(try pipe.readEnd.wait(for: .readable, timeoutMs: 0).isEmpty)
        try pipe.writeEnd.writeAll("hello")
        #expect(try pipe.readEnd.wait(for: .readable, timeoutMs: 1000).contains(.readable))
        #expect(try pipe.readEnd.read(upTo: 16) == Array("hello".utf8))
        pipe.closeWriteEnd()
        #expect(try pipe.readEnd.wait(for: .readable, timeoutMs: 1000).contains(.hangUp))
        #expect(try pipe.readEnd.read(upTo: 16) == [])       // end of file
    }

    @Test func aFullPipeTakesNothingMoreWithoutBlocking() throws {
        let pipe = Pipe()
        try pipe.writeEnd.setNonBlocking()
        let chunk = [UInt8](repeating: 7, count: 65_536)
        var total = 0
        while true {
            let n = try pipe.writeEnd.write(chunk)
            if n == 0 { break }
            total += n
        }
        #expect(total >= 4096)
        #expect(try pipe.writeEnd.wait(for: .writable, timeoutMs: 0).isEmpty)
        #expect(throws: SystemError("write", "fd \(pipe.writeEnd.rawValue)", errno: .EAGAIN)) { try pipe.writeEnd.writeAll([1]) }
    }

    @Test func writingToAClosedPipeIsEPIPE() throws {
        let pipe = Pipe()
        let signals = try SignalSource()   // SIGPIPE ignored from here on
        defer { signals.close() }
        pipe.closeReadEnd()
        #expect(throws: SystemError("write", "fd \(pipe.writeEnd.rawValue)", errno: .EPIPE)) { try pipe.writeEnd.write([1]) }
    }

    @Test func positionedWritesAndReadsOfAFile() throws {
        let dir = TempDir()
        let path = dir.file("data")
        let fd = try FileDescriptor.open(path, .readWrite, .create)
        defer { fd.close() }
        try fd.writeAll(Array("0123456789".utf8), at: 0, path)
        try fd.writeAll(Array("ab".utf8), at: 4, path)
        try fd.syncData(path)
        try fd.sync(path)
        #expect(try fd.readAll(path) == Array("0123ab6789".utf8))
        #expect(try fd.read(upTo: 4, at: 8, path) == Array("89".utf8))
        try fd.truncate(to: 3, path)
        #expect(try fd.info(path).size == 3)
        #expect(try fd.readAll(path) == Array("012".utf8))
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
    }

    /// The journal's lock: a second open file description of the same file cannot take it.
    @Test func anExclusiveLockIsHeldAgainstAnotherOpen() throws {
        let dir = TempDir()
        let path = dir.file("lock")
        let first = try FileDescriptor.open(path, .readWrite, .create)
        let second = try FileDescriptor.open(path, .readWrite)
        defer { second.close() }
        #expect(try first.lockExclusively(path))
        #expect(try second.lockExclusively(path) == false)
        first.close()
        #expect(try second.lockExclusively(path))
    }

    @Test func aDeletedOpenFileHasNoLinksAndAReplacedPathIsAnotherFile() throws {
        let dir = TempDir()
        let path = dir.file("f")
        let fd = try FileDescriptor.open(path, .readWrite, .create)
        defer { fd.close() }
        let open = try fd.info(path)
        #expect(open.linkCount == 1 && open.kind == .regular)
        #expect(try FileSystem.info(path)?.isSameFile(as: open) == true)
        try FileSystem.replace(path, with: [1], temporary: path + ".tmp", permissions: 0o600, durability: .atomic)
        #expect(try FileSystem.info(path)?.isSameFile(as: open) == false)
        #expect(try fd.info(path).linkCount == 0)
    }

    @Test func aPollSetReportsEachEntryByItsIndex() throws {
        let quiet = Pipe(), busy = Pipe()
        var set = PollSet()
        let a = set.add(quiet.readEnd, .readable)
        let b = set.add(busy.readEnd, .readable)
        let c = set.add(busy.writeEnd, .writable)
        #expect(set.count == 3 && set.requested(c) == .writable && set.descriptor(b) == busy.readEnd)
        try busy.writeEnd.writeAll([1])
        #expect(try set.wait(timeoutMs: 1000) == 2)
        #expect(set.readiness(a).isEmpty)
        #expect(set.readiness(b) == .readable && set.readiness(b).wantsRead)
        #expect(set.readiness(c) == .writable)
        #expect(set.readiness(99).isEmpty)
        set.removeAll()
        #expect(try set.wait(timeoutMs: 0) == 0)
    }

    /// Synchronous on purpose: the signal mask is per thread and raise(3) signals the caller.
    @Test func signalsArriveAsDataOnTheSignalFD() throws {
        let source = try SignalSource()
        defer { source.close() }
        #expect(try source.readPending() == [])
        raise(SIGHUP)
        #expect(try source.fd.wait(for: .readable, timeoutMs: 1000).contains(.readable))
        #expect(try source.readPending() == [.reload])
        raise(SIGTERM)
        raise(SIGINT)
        let both = try source.readPending()
        #expect(both.count == 2 && both.contains(.terminate) && both.contains(.interrupt))
    }
}

@Suite struct UnixSocketTests {
    @Test func aListenerAcceptsSendsAndReceives() throws {
        let dir = TempDir()
        let path = dir.file("sock")
        #expect(try UnixSocket.probe(path: path) == .missing)
        let listener = try UnixSocket.makeStream(path)
        defer { listener.close() }
        try UnixSocket.bind(listener, path: path)
        try UnixSocket.listen(listener, backlog: 4, path: path)
        #expect(try FileSystem.info(path)?.kind == .socket)
        #expect(try UnixSocket.accept(listener) == nil)       // nobody yet
        let client = try UnixSocket.makeStream(path)
        defer { client.close() }
        try UnixSocket.connect(client, path: path)
        #expect(try listener.wait(for: .readable, timeoutMs: 1000).contains(.readable))
        let server = try #require(try UnixSocket.accept(listener))
        defer { server.close() }
        #expect(try PeerCredentials.of(server).pid == CurrentProcess.id)
        let sent = try Array("ping\n".utf8).withUnsafeBytes { try UnixSocket.send(client, $0) }
        #expect(sent == 5)
        var buffer = [UInt8](repeating: 0, count: 16)
        _ = try server.wait(for: .readable, timeoutMs: 1000)
        let got = try buffer.withUnsafeMutableBytes { try UnixSocket.receive(server, into: $0) }
        #expect(got == 5 && Array(buffer[0..<5]) == Array("ping\n".utf8))
        #expect(UnixSocket.bytesUnreadByPeer(client) ?? 0 == 0)
        UnixSocket.shutdownWrite(client)
        _ = try server.wait(for: .readable, timeoutMs: 1000)
        #expect(try buffer.withUnsafeMutableBytes { try UnixSocket.receive(server, into: $0) } == 0)
        #expect(try UnixSocket.probe(path: path) == .live)
    }

    @Test func aSocketFileWithoutAListenerIsStaleAndTooLongAPathIsNamed() throws {
        let dir = TempDir()
        let path = dir.file("sock")
        let fd = try UnixSocket.makeStream(path)
        try UnixSocket.bind(fd, path: path)
        fd.close()
        #expect(try UnixSocket.probe(path: path) == .stale)
        let long = dir.file(String(repeating: "x", count: 120))
        #expect(throws: SystemError("bind", long, errno: .ENAMETOOLONG)) { try UnixSocket.bind(fd, path: long) }
    }
}

@Suite struct TerminalTests {
    @Test func aPseudoTerminalCarriesBytesBothWaysAndTakesSerialSettings() throws {
        let (master, terminal, path) = try Terminal.openPseudoTerminal()
        defer { master.close(); terminal.close() }
        #expect(path.hasPrefix("/dev/pts/"))
        let port = try Terminal.openSerial(path, baud: 9600, dataBits: 8, parityBit: false, oddParity: false, stopBits: 1)
        defer { port.close() }
        try master.writeAll([0x01, 0x03, 0x00, 0xFF])
        #expect(try port.wait(for: .readable, timeoutMs: 1000).contains(.readable))
        #expect(try port.read(upTo: 16) == [0x01, 0x03, 0x00, 0xFF])
        try port.writeAll([0x0A, 0x0D])
        _ = try master.wait(for: .readable, timeoutMs: 1000)
        #expect(try master.read(upTo: 16) == [0x0A, 0x0D])   // raw: no CR/LF mapping
        try Terminal.flushInput(port, path)
        #expect(Terminal.speed(forBaud: 14400) == nil && Terminal.supportedBauds.count == 9)
        #expect(throws: SystemError("set the baud rate of", path, errno: .EINVAL)) {
            try Terminal.openSerial(path, baud: 14400, dataBits: 8, parityBit: false, oddParity: false, stopBits: 1)
        }
    }

    @Test func theCharacterFormatBits() {
        #expect(Terminal.controlFlags(dataBits: 8, parityBit: false, oddParity: false, stopBits: 1) == tcflag_t(CS8))
        #expect(Terminal.controlFlags(dataBits: 7, parityBit: true, oddParity: false, stopBits: 1) == tcflag_t(CS7) | tcflag_t(PARENB))
        #expect(Terminal.controlFlags(dataBits: 8, parityBit: true, oddParity: true, stopBits: 2)
                == tcflag_t(CS8) | tcflag_t(PARENB) | tcflag_t(PARODD) | tcflag_t(CSTOPB))
    }
}

@Suite struct ClockTests {
    @Test func clocksMoveForwardInTheirUnits() {
        let ms = Clock.monotonicMs(), us = Clock.monotonicMicros()
        #expect(us / 1000 >= ms && us / 1000 - ms < 1000)
        #expect(Clock.wallMs() > 1_700_000_000_000)   // after 2023
        #expect(Clock.bootMs() > 0 && Clock.bootNanos() / 1_000_000 >= Clock.bootMs() - 1)
        #expect((0..<1440).contains(Clock.localMinuteOfDay(wallMs: Clock.wallMs())))
    }
}
