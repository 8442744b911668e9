// Helpers shared by the Serial* and MeterBus* tests: a real pty pair, and waiting for a
// condition with a deadline (never a bare sleep).
import CSystem
import Testing
@testable import Daemon
import OS

/// A pty pair from openpty(3): the test plays the far end of the line on `master`; the code under
/// test opens `slavePath` by name, as it would open /dev/ttyUSB0.
struct TestPty {
    let master: Int32
    let slavePath: String

    init() throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 128)
        guard openpty(&master, &slave, &name, nil, nil) == 0 else {
            throw SystemError("openpty")
        }
        self.master = master
        self.slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Only the code under test holds the terminal end, as with real hardware.
        _ = CSystem.close(slave)
        _ = tm_fcntl_setfl(master, tm_fcntl_getfl(master) | O_NONBLOCK)
    }

    func close() { _ = CSystem.close(master) }

    func send(_ bytes: [UInt8]) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { CSystem.write(master, $0.baseAddress, $0.count) }
            if n > 0 { rest = rest.dropFirst(n) } else { _ = waitFor(master, events: Int16(POLLOUT), ms: 100) }
        }
    }

    /// Reads from the master until `count` bytes came or `ms` passed.
    func receive(_ count: Int, within ms: Int64 = 2000) -> [UInt8] {
        var result: [UInt8] = []
        let deadline = Clock.monotonicMs() + ms
        while result.count < count, Clock.monotonicMs() < deadline {
            if !waitFor(master, events: Int16(POLLIN), ms: 50) { continue }
            var buffer = [UInt8](repeating: 0, count: 512)
            let n = buffer.withUnsafeMutableBytes { CSystem.read(master, $0.baseAddress, $0.count) }
            if n > 0 { result += buffer[0..<n] }
        }
        return result
    }

    /// Whatever is waiting on the master right now.
    func pending() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { CSystem.read(master, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }
}

/// poll(2) on one fd for at most `ms`; true when an event came.
func waitFor(_ fd: Int32, events: Int16, ms: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: events, revents: 0)
    return poll(&entry, 1, ms) > 0
}

/// Reads from the port until `count` bytes came or `ms` passed, waiting in poll(2).
func receive(from port: inout SerialPort, _ count: Int, within ms: Int64 = 2000) throws -> [UInt8] {
    var result: [UInt8] = []
    let deadline = Clock.monotonicMs() + ms
    while result.count < count, Clock.monotonicMs() < deadline {
        guard let fd = port.descriptor else { break }
        if !waitFor(fd.rawValue, events: Int16(POLLIN), ms: 50) { continue }
        result += try port.read(upTo: 512)
    }
    return result
}

/// The current termios of an fd.
func attributes(_ fd: FileDescriptor) -> termios {
    var settings = termios()
    _ = tcgetattr(fd.rawValue, &settings)
    return settings
}

/// A fresh temporary directory (removed by the caller with `removeTree`).
func makeTempDirectory() -> String {
    var template = Array("/tmp/tm-serial-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: path!)
}

/// Runs a shell command line; returns its exit status (for `rm -rf`, `setpriv` probes).
@discardableResult
func shell(_ command: String) -> Int32 {
    let status = system(command)
    return tm_wifexited(status) != 0 ? tm_wexitstatus(status) : -1
}
