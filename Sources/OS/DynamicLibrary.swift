import CSystem

/// dlopen(3): a shared library loaded at run time (libgpiod, whose major version differs between
/// Raspberry Pi OS releases). The handle is never closed: the library serves the process until it exits.
public struct DynamicLibrary {
    public let handle: UnsafeMutableRawPointer

    /// Loads `soname` with RTLD_NOW | RTLD_LOCAL (no symbol of it leaks into the global scope);
    /// nil when it cannot be loaded.
    public static func open(_ soname: String) -> DynamicLibrary? {
        dlopen(soname, RTLD_NOW | RTLD_LOCAL).map { DynamicLibrary(handle: $0) }
    }
}
