import CGPIOD
import OS

/// What the gpiod backend needs from libgpiod, whichever major version is installed: Raspberry Pi
/// OS trixie has only libgpiod 2.x (`libgpiod.so.3`, the v2 API), bookworm only 1.6
/// (`libgpiod.so.2`, v1). `GpiodV1` and `GpiodV2` map it onto each; chips and line handles are
/// the library's own opaque pointers and never cross from one to the other.
protocol GpiodAPI: AnyObject {
    /// The library's own version, e.g. `2.2.1`, made safe for a status line.
    var version: String { get }
    /// Opens a chip by its device path; nil with errno set (`Errno.current`).
    func openChip(_ path: String) -> OpaquePointer?
    func closeChip(_ chip: OpaquePointer)
    func describe(_ chip: OpaquePointer) -> GpiodChipInfo
    /// Requests line `offset` as an output, driven inactive by the request itself (no glitch),
    /// active-low known to the kernel. A handle for `set` and `release`, or the errno.
    func requestOutput(_ chip: OpaquePointer, offset: UInt32, activeLow: Bool, consumer: String) -> GpiodRequest
    /// Who holds line `offset` now (for the busy error), nil if no one or unknown.
    func consumer(_ chip: OpaquePointer, offset: UInt32) -> String?
    /// Drives a requested line; nil or the errno.
    func set(_ line: OpaquePointer, offset: UInt32, active: Bool) -> Errno?
    func release(_ line: OpaquePointer)
}

struct GpiodChipInfo {
    var name: String
    var label: String
    var lineCount: UInt32
}

enum GpiodRequest {
    case line(OpaquePointer)
    case failed(errno: Errno)
}

/// Finding and loading libgpiod at start (DESIGN §2): the firmware links none.
enum GpiodLibrary {
    /// Tried in this order: the v2 API first (trixie, the default since 2025-10), then v1. Never the
    /// unversioned `libgpiod.so`: only libgpiod-dev ships it.
    static let candidates = ["libgpiod.so.3", "libgpiod.so.2"]

    /// The first candidate `open` can load, with its handle.
    static func firstLoadable(_ open: (String) -> DynamicLibrary?) -> (soname: String, library: DynamicLibrary)? {
        for soname in candidates {
            if let library = open(soname) { return (soname, library) }
        }
        return nil
    }

    /// Loads libgpiod with RTLD_LOCAL (both sonames export gpiod_chip_open, with different
    /// meanings, so no symbol may leak into the global scope: `DynamicLibrary.open`) and binds its
    /// functions. The handle is never closed: the library serves the process until it exits.
    static func load() throws(GPIOError) -> any GpiodAPI {
        guard let (soname, library) = firstLoadable({ DynamicLibrary.open($0) }) else {
            throw .libraryMissing
        }
        if soname == "libgpiod.so.3" {
            let table = UnsafeMutablePointer<tm_gpiod2>.allocate(capacity: 1)
            defer { table.deallocate() }
            if let missing = tm_gpiod2_bind(library.handle, table) {
                throw .libraryUnusable(soname: soname, missing: String(cString: missing))
            }
            return GpiodV2(api: table.move())
        }
        let table = UnsafeMutablePointer<tm_gpiod1>.allocate(capacity: 1)
        defer { table.deallocate() }
        if let missing = tm_gpiod1_bind(library.handle, table) {
            throw .libraryUnusable(soname: soname, missing: String(cString: missing))
        }
        return GpiodV1(api: table.move())
    }

    /// A version string from the library, fit for `status` (`gpio libgpiod-X.Y.Z`): 1…32 characters
    /// of digits, letters and `.+~_-`; anything else (NULL, empty, spaces, control bytes) is `unknown`.
    static func version(_ raw: UnsafePointer<CChar>?) -> String {
        guard let raw else { return "unknown" }
        return version(String(cString: raw))
    }

    static func version(_ text: String) -> String {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 32 else { return "unknown" }
        for b in bytes {
            let ok = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "+") || b == UInt8(ascii: "~")
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            if !ok { return "unknown" }
        }
        return text
    }

    /// A C string from the library, or `?` for NULL.
    static func text(_ raw: UnsafePointer<CChar>?) -> String {
        raw.map { String(cString: $0) } ?? "?"
    }
}
