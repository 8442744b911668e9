import CSystem

/// The process itself: its id and its limits.
public enum CurrentProcess {
    public static var id: Int32 { getpid() }

    /// Raises the soft limit on open files toward `want` (never above the hard limit).
    public static func raiseOpenFileLimit(to want: Int) {
        tm_raise_open_file_limit(UInt64(max(want, 0)))
    }
}
