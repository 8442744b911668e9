import CSystem
import Testing
@testable import OS

@Suite struct ErrnoTests {
    @Test func messagesNameTheErrnoAndExplainIt() {
        let error = SystemError("open", "/etc/x", errno: .EACCES)
        #expect(error.message == "open /etc/x: Permission denied (EACCES)")
        #expect(Errno.ENOSPC.name == "ENOSPC")
        #expect(Errno.ENOSPC.text == "No space left on device")
        #expect(Errno(rawValue: 9999).name == "errno 9999")
    }
}
