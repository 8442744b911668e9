import OS
import Config
import Control

/// Version of the daemon and of the socket protocol's `version` reply.
public let tanglemeterVersion = "0.1.0"

let usageText = """
usage: tanglemeter [-c FILE]            run in the foreground (default \(Configuration.defaultPath))
       tanglemeter -c FILE --check      validate FILE, print a summary, exit 0 or 1
       tanglemeter -c FILE --scan       find the meters on FILE's bus: ADDRESS MODEL ENERGY_WH per meter
       tanglemeter -c FILE query CMD…   send one request to the running daemon, print its data lines
       tanglemeter --version | --help
exit status: 0 clean stop, 1 bad arguments or configuration, 2 fatal runtime error
"""

/// What the command line asks for (DESIGN §3.1).
enum Invocation: Equatable {
    case run(config: String)
    case check(config: String)
    case scan(config: String)
    case query(config: String, words: [String])
    case version
    case help
}

/// Parses argv (without the program name). Returns nil and an error text for bad arguments.
func parseArguments(_ args: [String]) -> (Invocation?, String?) {
    var config = Configuration.defaultPath
    var i = 0
    var check = false
    var scan = false
    while i < args.count {
        switch args[i] {
        case "--version": return (.version, nil)
        case "--help", "-h": return (.help, nil)
        case "-c":
            guard i + 1 < args.count else { return (nil, "-c needs a FILE") }
            config = args[i + 1]
            i += 2
        case "--check":
            check = true
            i += 1
        case "--scan":
            scan = true
            i += 1
        case "query":
            let words = Array(args[(i + 1)...])
            guard !words.isEmpty else { return (nil, "query needs a command, e.g. `query status`") }
            guard !check && !scan else { return (nil, "\(check ? "--check" : "--scan") and query do not go together") }
            return (.query(config: config, words: words), nil)
        default:
            return (nil, "unknown argument '\(args[i])'")
        }
    }
    if check && scan { return (nil, "--check and --scan do not go together") }
    if scan { return (.scan(config: config), nil) }
    return (check ? .check(config: config) : .run(config: config), nil)
}

/// Entry point of the `tanglemeter` executable; returns the process exit status.
/// `CommandLine` does not exist in Embedded Swift, so the executable hands over argv itself.
public func runMain(_ argv: [String]) -> Int32 {
    let (invocation, problem) = parseArguments(Array(argv.dropFirst()))
    guard let invocation else {
        writeStderr("tanglemeter: \(problem ?? "bad arguments")\n\(usageText)\n")
        return 1
    }
    switch invocation {
    case .version:
        writeStdout("tanglemeter \(tanglemeterVersion)\n")
        return 0
    case .help:
        writeStdout(usageText + "\n")
        return 0
    case .check(let path):
        guard let config = loadConfiguration(path) else { return 1 }
        writeStdout(config.summary.map { $0 + "\n" }.joined())
        writeStdout("\(path): OK\n")
        return 0
    case .scan(let path):
        guard let config = loadConfiguration(path) else { return 1 }
        return runScan(config)
    case .query(let path, let words):
        guard let config = loadConfiguration(path) else { return 1 }
        return runQuery(words: words, socketPath: config.socket.path)
    case .run(let path):
        guard let config = loadConfiguration(path) else { return 1 }
        let daemon: Daemon
        do { daemon = try Daemon(configPath: path, config: config) } catch {
            writeStderr("tanglemeter: \(error.message)\n")
            return error.status
        }
        return daemon.run()
    }
}

/// Reads and validates the configuration; reports every problem as file:line: key: what.
func loadConfiguration(_ path: String) -> Configuration? {
    let text: String
    do { text = try readTextFile(path) } catch {
        writeStderr("tanglemeter: \(error.message)\n")
        return nil
    }
    do { return try Configuration.parse(text: text, path: path) } catch {
        writeStderr(error.message + "\n")
        return nil
    }
}

/// `query CMD…`: data lines to stdout as they come; exit 0 on OK, or the ERR line to stderr and
/// exit 1; 2 when the reply ends without a final line. `watch` streams until interrupted.
func runQuery(words: [String], socketPath: String) -> Int32 {
    let line: String
    do { line = try queryLine(words) } catch {
        writeStderr("tanglemeter: \(error.message)\n")
        return 1
    }
    var reader = ReplyReader()
    var status: Int32? = nil
    do {
        try QueryClient.exchange(line, to: socketPath, streaming: words[0] == "watch") { chunk in
            var out = ""
            for event in reader.append(contentsOf: chunk) {
                switch event {
                case .data(let text): out += text + "\n"
                case .ok: status = 0
                case .error(_, let whole): status = 1; writeStdout(out); out = ""; writeStderr(whole + "\n")
                case .broken(let why): status = 2; writeStdout(out); out = ""; writeStderr("tanglemeter: \(why)\n")
                }
                if status != nil { break }
            }
            writeStdout(out)
            return status != nil
        }
    } catch {
        writeStderr("tanglemeter: \(error.message)\n")
        return 2
    }
    return status ?? 2
}

/// argv as Swift strings (the executables' C-level `main` receives it raw).
public func arguments(argc: Int32, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> [String] {
    var result: [String] = []
    for i in 0..<Int(argc) {
        if let p = argv[i] { result.append(String(cString: p)) }
    }
    return result
}

/// Writes to stderr with write(2): stdio buffering must not delay or reorder logs.
public func writeStderr(_ text: String) { try? FileDescriptor.standardError.writeAll(text) }

/// Writes to stdout with write(2) (Embedded Swift's print is block-buffered into pipes).
public func writeStdout(_ text: String) { try? FileDescriptor.standardOutput.writeAll(text) }
