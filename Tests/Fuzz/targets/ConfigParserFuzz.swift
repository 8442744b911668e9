// Fuzzes the configuration parser on arbitrary text: it must return or throw a ConfigError, never
// trap; a file that parses must print a summary that parses back to the same configuration; a
// refused file must name the file (and a line inside it) in every problem.
#if canImport(Config)
import Config
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lineCount = text.utf8.reduce(1) { $1 == 10 ? $0 + 1 : $0 }
    do {
        let configuration = try Configuration.parse(text: text, path: "fuzz.conf")
        var summary = ""
        for line in configuration.summary { summary += line + "\n" }
        guard let again = try? Configuration.parse(text: summary, path: "summary"), again == configuration else {
            fatalError("the summary does not parse back to the same configuration")
        }
    } catch {
        guard !error.problems.isEmpty else { fatalError("refused without a problem") }
        for problem in error.problems {
            guard problem.message.hasPrefix("fuzz.conf:"), problem.line >= 0, problem.line <= lineCount else {
                fatalError("a problem without its place: \(problem.message)")
            }
        }
    }
    return 0
}
