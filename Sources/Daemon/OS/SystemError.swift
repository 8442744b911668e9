import CSystem

/// An OS call that failed: what was attempted, on what, and errno. errno becomes this value where
/// the syscall is made and never leaks further in.
public struct SystemError: Error, Equatable, Sendable {
    public var operation: String
    public var subject: String
    public var errno: Int32

    public init(_ operation: String, _ subject: String = "", errno: Int32 = tm_errno()) {
        self.operation = operation
        self.subject = subject
        self.errno = errno
    }

    /// `open /dev/ttyUSB0: No such file or directory (errno 2)`
    public var message: String {
        let what = subject.isEmpty ? operation : "\(operation) \(subject)"
        return "\(what): \(errnoText(errno)) (errno \(errno))"
    }
}

/// strerror(3) as a Swift string.
public func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// Retries a syscall that failed with EINTR; returns its result or throws with errno captured.
@inline(__always)
public func retryingOnInterrupt<T: BinaryInteger>(
    _ operation: String, _ subject: String = "", _ call: () -> T
) throws(SystemError) -> T {
    while true {
        let result = call()
        if result >= 0 { return result }
        let code = tm_errno()
        if code == EINTR { continue }
        throw SystemError(operation, subject, errno: code)
    }
}
