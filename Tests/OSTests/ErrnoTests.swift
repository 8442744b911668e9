import CSystem
import Testing
@testable import OS

@Suite struct ErrnoTests {
    @Test func messagesNameTheOperationThePathTheErrnoAndItsText() {
        let error = SystemError("open", "/etc/x", errno: .EACCES)
        #expect(error.message == "open /etc/x: Permission denied (EACCES)")
        #expect(SystemError("poll", errno: .EINTR).message == "poll: Interrupted system call (EINTR)")
        #expect(error.about("fd 3").message == "open fd 3: Permission denied (EACCES)")
    }

    @Test func everyCodeHasItsCName() {
        #expect(Errno.ENOSPC.name == "ENOSPC")
        #expect(Errno.ENOSPC.text == "No space left on device")
        #expect(Errno.ECONNREFUSED.name == "ECONNREFUSED")
        #expect(Errno(rawValue: EAGAIN) == .EAGAIN && Errno.EAGAIN.name == "EAGAIN")
        // a code the C library cannot name is still shown, by number
        #expect(Errno(rawValue: 9999).name == "errno 9999")
        #expect(Errno(rawValue: 9999).description.hasSuffix("(errno 9999)"))
    }

    @Test func aRealFailureCarriesItsErrno() {
        let dir = TempDir()
        let missing = dir.file("missing")
        #expect(throws: SystemError("open", missing, errno: .ENOENT)) {
            try FileDescriptor.open(missing, .readOnly)
        }
        do {
            _ = try FileDescriptor.open(dir.path, .writeOnly)
            Issue.record("a directory opened for writing")
        } catch {
            #expect(error.message == "open \(dir.path): Is a directory (EISDIR)")
        }
    }
}

/// The one EINTR rule, driven by a fake call that is interrupted twice before it succeeds.
@Suite struct InterruptRetryTests {
    @Test func anInterruptedCallIsMadeAgainUntilItAnswers() throws {
        var calls = 0
        let result = try check("read", "fake", retryingOnInterrupt { () -> Int in
            calls += 1
            if calls <= 2 { tm_set_errno(EINTR); return -1 }
            return 42
        })
        #expect(result == 42 && calls == 3)
    }

    @Test func anyOtherFailureIsThrownAtOnceWithItsErrno() {
        var calls = 0
        #expect(throws: SystemError("read", "fake", errno: .EIO)) {
            try check("read", "fake", retryingOnInterrupt { () -> Int32 in
                calls += 1
                if calls == 1 { tm_set_errno(EINTR) } else { tm_set_errno(EIO) }
                return -1
            })
        }
        #expect(calls == 2)
    }

    @Test func theRetryLeavesTheCallsErrnoForTheCaller() {
        var calls = 0
        let result = retryingOnInterrupt { () -> Int in
            calls += 1
            tm_set_errno(calls == 1 ? EINTR : EAGAIN)
            return -1
        }
        #expect(result == -1 && calls == 2 && Errno.current == .EAGAIN)
    }
}
