import CSystem

/// Version of the daemon and of the socket protocol's `version` reply.
public let tanglemeterVersion = "0.1.0"

/// Entry point of the `tanglemeter` executable; returns the process exit status (DESIGN §3.1).
/// `CommandLine` does not exist in Embedded Swift, so the executable hands over argv itself.
public func runMain(_ args: [String]) -> Int32 {
    if args.count >= 2 && args[1] == "--version" {
        print("tanglemeter \(tanglemeterVersion)")
        return 0
    }
    if args.count >= 2 && (args[1] == "--help" || args[1] == "-h") {
        print(usageText)
        return 0
    }
    writeStderr("tanglemeter: the daemon is not there yet\n\(usageText)\n")
    return 1
}

let usageText = """
usage: tanglemeter [-c FILE]            run in the foreground (default /etc/tanglemeter.conf)
       tanglemeter -c FILE --check      validate FILE, print a summary, exit 0 or 1
       tanglemeter -c FILE query CMD…   send one request to the running daemon
       tanglemeter --version | --help
"""

/// Writes a message to stderr with write(2): stdio buffering must not delay or reorder logs.
public func writeStderr(_ text: String) {
    var copy = text
    copy.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = CSystem.write(2, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 { if n < 0 && tm_errno() == EINTR { continue }; return }
            offset += n
        }
    }
}

/// argv as Swift strings (the executables' C-level `main` receives it raw).
public func arguments(argc: Int32, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> [String] {
    var result: [String] = []
    for i in 0..<Int(argc) {
        if let p = argv[i] { result.append(String(cString: p)) }
    }
    return result
}
