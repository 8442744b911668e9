import Foundation
import Glibc
import Testing
@testable import OS

/// Signals caught by `countAndMaybeAnswer`, and the pipe it answers on after the fifth.
nonisolated(unsafe) private var interruptions: Int32 = 0
nonisolated(unsafe) private var answerFD: Int32 = -1

/// SIGUSR1 without SA_RESTART: a read blocked in the kernel returns EINTR each time it arrives.
/// From the fifth on, the handler puts a byte in the pipe (write(2) is async-signal-safe).
private func countAndMaybeAnswer(_ signal: Int32) {
    interruptions += 1
    if interruptions >= 5 {
        var byte: UInt8 = 0x2A
        _ = write(answerFD, &byte, 1)
    }
}

@Suite(.serialized) struct InterruptedReadTests {
    /// A blocking read on an empty pipe, interrupted by real signals every 10 ms: each interruption
    /// is an EINTR the read must retry rather than throw, until the fifth signal brings a byte.
    @Test func aBlockingReadInterruptedBySignalsRetriesUntilItGetsData() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        interruptions = 0
        answerFD = fds[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = countAndMaybeAnswer
        action.sa_flags = 0   // no SA_RESTART: the kernel does not restart the read itself
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        #expect(sigaction(SIGUSR1, &action, &previous) == 0)
        defer { sigaction(SIGUSR1, &previous, nil) }
        // The test runs on a pool thread, which masks signals: let SIGUSR1 in on this one alone.
        var usr1 = sigset_t(), oldMask = sigset_t()
        sigemptyset(&usr1)
        sigaddset(&usr1, SIGUSR1)
        #expect(pthread_sigmask(SIG_UNBLOCK, &usr1, &oldMask) == 0)
        defer { pthread_sigmask(SIG_SETMASK, &oldMask, nil) }

        let reader = pthread_self()
        let done = ManagedAtomicFlag()
        let sender = Thread {
            while !done.isSet && interruptions < 5 {
                pthread_kill(reader, SIGUSR1)
                usleep(10_000)
            }
        }
        sender.start()
        let got = try FileDescriptor(rawValue: fds[0]).read(upTo: 1)
        done.set()
        #expect(got == [0x2A])
        #expect(interruptions >= 5)
    }
}

/// A flag two threads share (set once, read often).
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
