// SerialPort on a real pty pair: the test holds the master (the "wire"), the port opens the
// terminal end by path, as the daemon opens /dev/ttyUSB0.
import CSystem
import Glibc
import Testing
import Config
@testable import Daemon
@testable import OS

@Suite(.serialized) struct SerialPortTests {
    @Test func everyByteValuePassesUnchangedBothWays() throws {
        let pty = try TestPty()
        defer { pty.close() }
        var port = try SerialPort(device: pty.slavePath, baud: 9600, format: .eightNoneOne)
        defer { port.close() }
        // 0x0D (CR→NL), 0x11/0x13 (XON/XOFF), 0x03 (VINTR), 0x04 (VEOF), 0x7F (VERASE), 0xFF
        // (PARMRK escape) are what a cooked tty would eat or change.
        let all = (0...255).map { UInt8($0) }
        pty.send(all)
        #expect(try receive(from: &port, 256) == all)
        // No echo: a cooked tty would have written the bytes back to the master by now.
        #expect(pty.pending() == [])

        var rest = all[...]
        while !rest.isEmpty { rest = rest.dropFirst(try port.write(Array(rest))) }
        #expect(pty.receive(256) == all)
    }

    @Test func rawModeAndNoFlowControlAreApplied() throws {
        let pty = try TestPty()
        defer { pty.close() }
        var port = try SerialPort(device: pty.slavePath, baud: 9600, format: .eightNoneOne)
        defer { port.close() }
        let t = attributes(try #require(port.descriptor))
        #expect(t.c_lflag & tcflag_t(ECHO | ICANON | ISIG | IEXTEN) == 0)
        #expect(t.c_iflag & tcflag_t(IXON | IXOFF | IXANY | ICRNL | INLCR | IGNCR | ISTRIP) == 0)
        #expect(t.c_oflag & tcflag_t(OPOST) == 0)
        #expect(t.c_cflag & tcflag_t(CRTSCTS) == 0)
        #expect(t.c_cflag & tcflag_t(CLOCAL | CREAD) == tcflag_t(CLOCAL | CREAD))
        var cc = t.c_cc
        withUnsafeBytes(of: &cc) { bytes in
            #expect(bytes[Int(VMIN)] == 0)
            #expect(bytes[Int(VTIME)] == 0)
        }
        // O_NONBLOCK and FD_CLOEXEC on the descriptor itself.
        let fd = try #require(port.descriptor).rawValue
        #expect(tm_fcntl_getfl(fd) & O_NONBLOCK != 0)
        #expect(Glibc.fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        // Nothing waiting reads as empty, not as end of file.
        #expect(try port.read(upTo: 64) == [])
    }

    @Test(arguments: [
        (1200, "8N1"), (2400, "8N2"), (4800, "8E1"), (9600, "8O1"), (19200, "7E1"), (38400, "7O2"),
        (57600, "8N1"), (115200, "8N2"),
    ])
    func baudAndFormatReadBack(baud: Int, formatText: String) throws {
        let pty = try TestPty()
        defer { pty.close() }
        let format = try #require(SerialFormat(text: formatText[...]))
        var port = try SerialPort(device: pty.slavePath, baud: baud, format: format)
        defer { port.close() }
        var t = attributes(try #require(port.descriptor))
        let expectedSpeed = try #require(Terminal.speed(forBaud: baud))
        #expect(cfgetospeed(&t) == expectedSpeed)
        #expect(cfgetispeed(&t) == expectedSpeed)
        #expect((t.c_cflag & tcflag_t(CSTOPB) != 0) == (format.stopBits == 2))
        #expect((t.c_iflag & tcflag_t(INPCK) != 0) == (format.parity != .none))
        // The Linux pty driver forces CS8 without parity (pty_set_termios), so data bits and
        // parity can only be read back for 8N*; the flags the port computes are checked below.
        if format.parity == .none && format.dataBits == 8 {
            #expect(t.c_cflag & tcflag_t(CSIZE | PARENB) == tcflag_t(CS8))
        }
        let flags = Terminal.controlFlags(dataBits: format.dataBits, parityBit: format.parity != .none,
                                          oddParity: format.parity == .odd, stopBits: format.stopBits)
        #expect(flags & tcflag_t(CSIZE) == tcflag_t(format.dataBits == 8 ? CS8 : CS7))
        #expect((flags & tcflag_t(PARENB) != 0) == (format.parity != .none))
        #expect((flags & tcflag_t(PARODD) != 0) == (format.parity == .odd))
        #expect((flags & tcflag_t(CSTOPB) != 0) == (format.stopBits == 2))
    }

    @Test(arguments: [0, 300, 600, 14400, 28800, 230400, -9600])
    func unsupportedBaudIsRefusedBeforeOpening(baud: Int) throws {
        let pty = try TestPty()
        defer { pty.close() }
        #expect(throws: SerialError.unsupportedBaud(baud)) {
            try SerialPort(device: pty.slavePath, baud: baud, format: .eightNoneOne)
        }
    }

    @Test func errorsNameTheDevice() {
        do {
            _ = try SerialPort(device: "/nonexistent/ttyUSB9", baud: 9600, format: .eightNoneOne)
            Issue.record("opened a missing device")
        } catch {
            #expect(error.message.contains("/nonexistent/ttyUSB9"))
            #expect(error.message.contains("No such file or directory"))
        }
        // /dev/null opens but is no terminal: the ioctl fails, and the fd must not leak.
        do {
            _ = try SerialPort(device: "/dev/null", baud: 9600, format: .eightNoneOne)
            Issue.record("accepted /dev/null as a serial port")
        } catch {
            #expect(error.message.contains("/dev/null"))
            #expect(error.message.contains("TIOCEXCL"))
        }
    }

    @Test func exclusiveOpenRefusesASecondUnprivilegedOpener() throws {
        let pty = try TestPty()
        defer { pty.close() }
        _ = chmod(pty.slavePath, 0o666)
        let probe = "setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c 'exec 3<>\"$0\"' \(pty.slavePath) 2>/dev/null"
        // Control: before the port holds the line, anyone may open it.
        let before = shell(probe)
        var port = try SerialPort(device: pty.slavePath, baud: 9600, format: .eightNoneOne)
        defer { port.close() }
        var exclusive: Int32 = 0
        #expect(tm_ioctl_get_exclusive(try #require(port.descriptor).rawValue, &exclusive) == 0)
        #expect(exclusive == 1)
        if before == 0 {
            #expect(shell(probe) != 0, "a second opener got the exclusive line")
        }
        // TIOCEXCL does not stop root (CAP_SYS_ADMIN); as root only the flag itself can be checked.
    }

    @Test func flushInputDropsStaleBytes() throws {
        let pty = try TestPty()
        defer { pty.close() }
        var port = try SerialPort(device: pty.slavePath, baud: 9600, format: .eightNoneOne)
        defer { port.close() }
        pty.send([0x01, 0x04, 0x02])
        #expect(waitFor(try #require(port.descriptor).rawValue, events: Int16(POLLIN), ms: 1000))
        try port.flushInput()
        #expect(try port.read(upTo: 64) == [])
        pty.send([0xAA])
        #expect(try receive(from: &port, 1) == [0xAA])
    }

    @Test func vanishedDeviceIsAnErrorAndTheLinkCanBeReopened() throws {
        let dir = makeTempDirectory()
        defer { shell("rm -rf \(dir)") }
        let link = dir + "/ttyPZEM"
        let first = try TestPty()
        #expect(symlink(first.slavePath, link) == 0)
        var port = try SerialPort(device: link, baud: 9600, format: .eightNoneOne)
        defer { port.close() }
        first.close()   // the simulator died: its pty is gone
        #expect(waitFor(try #require(port.descriptor).rawValue, events: Int16(POLLIN), ms: 1000))
        #expect(throws: SerialError.hangUp(device: link)) { try port.read(upTo: 64) }
        #expect(!port.isOpen)
        #expect(throws: SerialError.notOpen(device: link)) { try port.write([1]) }
        #expect(SerialError.hangUp(device: link).message.contains(link))

        let second = try TestPty()   // the simulator came back on a new pty
        defer { second.close() }
        _ = unlink(link)
        #expect(symlink(second.slavePath, link) == 0)
        try port.reopen()
        second.send([0x42])
        #expect(try receive(from: &port, 1) == [0x42])
    }
}
