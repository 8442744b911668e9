import Glibc
import Testing
@testable import Daemon
import OS

@Suite struct SignalsTests {
    /// Synchronous on purpose: the signal mask is per thread and raise(3) signals the caller.
    @Test func signalsArriveAsValuesThroughTheSignalFD() throws {
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

    @Test func writeToAClosedSocketIsEPIPENotASignal() throws {
        let source = try SignalSource()
        defer { source.close() }
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        close(pair[1])
        let byte: [UInt8] = [1]
        #expect(write(pair[0], byte, 1) == -1)  // plain write: SIGPIPE is ignored
        #expect(errno == EPIPE)
        close(pair[0])
    }
}
