import Testing
@testable import OS

/// DESIGN §2: each system call is wrapped once, in Sources/OS. The enforceable form of that rule:
/// no Swift file outside Sources/OS imports CSystem (the libc module map) or Glibc. The C shims
/// (Sources/C*, EmbeddedRuntimeFix, EmbeddedTextTables) hold no Swift.
@Suite struct LayeringTests {
    /// Sources/, found from this file's own path (Tests/OSTests/LayeringTests.swift).
    static let sources: String = {
        var root = FileSystem.parentDirectory(of: #filePath)
        root = FileSystem.parentDirectory(of: FileSystem.parentDirectory(of: root))
        return root + "/Sources"
    }()

    /// Every .swift file under `directory`, at any depth.
    static func swiftFiles(under directory: String) throws -> [String] {
        var found: [String] = []
        for name in try FileSystem.list(directory) {
            let path = directory + "/" + name
            guard let info = try FileSystem.info(path, followLinks: false) else { continue }
            if info.kind == .directory {
                found += try swiftFiles(under: path)
            } else if name.hasSuffix(".swift") {
                found.append(path)
            }
        }
        return found
    }

    /// The module a line imports, for `import X`, `@testable import X`, `import struct X.Y` …
    static func importedModule(_ line: Substring) -> Substring? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let at = words.firstIndex(of: "import"), words[..<at].allSatisfy({ $0.hasPrefix("@") }) else { return nil }
        let kinds: Set<Substring> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"]
        guard let name = words[(at + 1)...].first(where: { !kinds.contains($0) }) else { return nil }
        return name.split(separator: ".").first
    }

    @Test func onlyTheOSModuleImportsLibc() throws {
        let files = try Self.swiftFiles(under: Self.sources)
        #expect(files.count > 50, "found the source tree at \(Self.sources)")
        var offenders: [String] = []
        for path in files where !path.hasPrefix(Self.sources + "/OS/") {
            for line in try readTextFile(path).split(separator: "\n") {
                guard let module = Self.importedModule(line) else { continue }
                if module == "CSystem" || module == "Glibc" || module == "Foundation" {
                    offenders.append("\(path): \(line)")
                }
            }
        }
        #expect(offenders.isEmpty, "libc outside Sources/OS: \(offenders)")
    }

    @Test func theImportRuleSeesEveryFormOfImport() {
        #expect(Self.importedModule("import CSystem") == "CSystem")
        #expect(Self.importedModule("@testable import CSystem") == "CSystem")
        #expect(Self.importedModule("@_implementationOnly import CSystem") == "CSystem")
        #expect(Self.importedModule("import func CSystem.open") == "CSystem")
        #expect(Self.importedModule("// import CSystem in a comment") == nil)
        #expect(Self.importedModule("import CSystem // why") == "CSystem")
        #expect(Self.importedModule("let x = 1") == nil)
    }
}
