import CSystem

/// A system call that failed: what was attempted, on what, and its errno. Made where the call is
/// made, so errno never leaks further in; rendered once, by `message`.
public struct SystemError: Error, Equatable, Sendable {
    public var operation: String
    /// The path, device or descriptor the call was about (empty when there is nothing to name).
    public var subject: String
    public var errno: Errno

    public init(_ operation: String, _ subject: String = "", errno: Errno = .current) {
        self.operation = operation
        self.subject = subject
        self.errno = errno
    }

    /// `open /dev/ttyUSB0: No such file or directory (ENOENT)`
    public var message: String {
        let what = subject.isEmpty ? operation : "\(operation) \(subject)"
        return "\(what): \(errno.description)"
    }

    /// The same failure, told about `subject` (a path where the call only knew a descriptor).
    public func about(_ subject: String) -> SystemError { SystemError(operation, subject, errno: errno) }
}

/// The one EINTR rule: a call a signal interrupted is made again (never `close`, see
/// `FileDescriptor.close`). Returns the call's result; on failure errno is still the call's.
@inline(__always)
func retryingOnInterrupt<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result >= 0 || tm_errno() != EINTR { return result }
    }
}

/// A call's result, or its failure thrown as `SystemError(operation, subject)` with errno; the
/// call is made inside `retryingOnInterrupt` by the caller. One function, never inlined or
/// specialized, so that each wrapper costs a call and not a copy of the error path.
@inline(never)
func check(_ operation: String, _ subject: String, _ result: Int) throws(SystemError) -> Int {
    if result < 0 { throw SystemError(operation, subject, errno: .current) }
    return result
}

/// `check` for the calls that return a C int.
@inline(__always)
func check(_ operation: String, _ subject: String, _ result: Int32) throws(SystemError) -> Int32 {
    Int32(truncatingIfNeeded: try check(operation, subject, Int(result)))
}

/// Whether errno says a non-blocking call would have had to wait.
@inline(__always)
func wouldBlock() -> Bool {
    let code = tm_errno()
    return code == EAGAIN || code == EWOULDBLOCK
}
