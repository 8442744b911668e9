import Testing
@testable import Daemon
import OS

/// DESIGN §3.1: `--scan` beside `--check` and `query`.
@Suite struct ArgumentTests {
    @Test func scanTakesTheConfigFile() {
        #expect(parseArguments(["-c", "/etc/x.conf", "--scan"]).0 == .scan(config: "/etc/x.conf"))
        #expect(parseArguments(["--scan"]).0 == .scan(config: "/etc/tanglemeter.conf"))
        #expect(parseArguments(["--scan", "-c", "a.conf"]).0 == .scan(config: "a.conf"))
    }

    @Test func scanDoesNotCombineWithCheckOrQuery() {
        #expect(parseArguments(["--check", "--scan"]) == (nil, "--check and --scan do not go together"))
        #expect(parseArguments(["--scan", "query", "status"]) == (nil, "--scan and query do not go together"))
        #expect(usageText.contains("tanglemeter -c FILE --scan"))
    }
}
