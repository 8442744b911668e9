import Glibc
import Testing
@testable import Daemon
import OS

@Suite struct LogTests {
    func captured(_ body: (Log) -> Void, threshold: LogLevel = .info) -> String {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        var log = Log(.stderr, threshold: threshold)
        log.stderrFD = fds[1]
        body(log)
        close(fds[1])
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buf, 4096)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        close(fds[0])
        return String(decoding: out, as: UTF8.self)
    }

    @Test func oneLinePerEventWithItsLevel() {
        let text = captured { log in
            log.info("listening on /run/tanglemeter.sock")
            log.warning("meter main: no reply")
            log.debug("skipped below the threshold")
            log.error("line 17 of gpiochip0 is busy\nforged: line")
        }
        #expect(text == "info: listening on /run/tanglemeter.sock\nwarning: meter main: no reply\n"
                + "error: line 17 of gpiochip0 is busy forged: line\n")
    }

    @Test func thresholdKeepsDebugWhenAsked() {
        #expect(captured({ $0.debug("poll") }, threshold: .debug) == "debug: poll\n")
    }
}
