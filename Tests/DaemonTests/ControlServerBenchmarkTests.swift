import Foundation
import Glibc
import Testing
@testable import Daemon
import OS

/// DESIGN §4 figures with the echo handler (printed, not timed assertions):
/// status requests over one connection ≥ 20,000/s, one-shot connections ≥ 3,000/s.
/// Run alone for stable figures: `swift test -c release --filter ControlServerBenchmarkTests`.
@Suite(.serialized) struct ControlServerBenchmarkTests {
    static let seconds = 1.0

    @Test func statusRequestsOverOneConnection() throws {
        let h = try Harness()
        let path = h.path
        let count = h.runWhile { () -> Int in
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            guard (try? connectUnix(fd, path)) != nil else { return -1 }
            let request = Array("status\n".utf8)
            let expected = "main.relay on\nmain.balance_nanos 42\nOK\n".utf8.count
            var buf = [UInt8](repeating: 0, count: 4096)
            var done = 0
            let end = Date().addingTimeInterval(Self.seconds)
            while Date() < end {
                for _ in 0..<100 {
                    _ = write(fd, request, request.count)
                    var got = 0
                    while got < expected {
                        let n = read(fd, &buf, buf.count)
                        if n <= 0 { return -2 }
                        got += n
                    }
                    done += 1
                }
            }
            return done
        }
        let rate = Double(count ?? 0) / Self.seconds
        print("bench: status requests over one connection (ping-pong): \(Int(rate))/s")
        #expect((count ?? 0) > 0)
    }

    @Test func oneShotConnections() throws {
        let h = try Harness()
        let path = h.path
        let count = h.runWhile { () -> Int in
            var buf = [UInt8](repeating: 0, count: 4096)
            let request = Array("status\n".utf8)
            var done = 0
            let end = Date().addingTimeInterval(Self.seconds)
            while Date() < end {
                for _ in 0..<50 {
                    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                    guard (try? connectUnix(fd, path)) != nil else { close(fd); return -1 }
                    _ = write(fd, request, request.count)
                    shutdown(fd, Int32(SHUT_WR))
                    var total = 0
                    while true {
                        let n = read(fd, &buf, buf.count)
                        if n <= 0 { break }
                        total += n
                    }
                    close(fd)
                    if total == 0 { return -2 }
                    done += 1
                }
            }
            return done
        }
        let rate = Double(count ?? 0) / Self.seconds
        print("bench: one-shot connections (connect, status, half-close, read to EOF): \(Int(rate))/s")
        #expect((count ?? 0) > 0)
    }
}
