import OS
import ModbusRTU

/// Replies waiting to go out on the pty, in order. With wire timing every byte leaves when a
/// real 8N1 line at that baud would have sent it: the reply starts t3.5 after the request has
/// finished arriving (its own wire time counted), and bytes follow one character time apart.
/// The loop wakes with millisecond resolution, so bytes that fell due meanwhile go out together:
/// each byte is late by at most a wake-up, and none is ever early.
struct Transmitter {
    private struct Pending {
        var bytes: [UInt8]
        var startMicros: Int64
        var sent = 0
    }

    let timing: FrameTiming?
    private var queue: [Pending] = []
    private var queuedBytes = 0
    /// When the last queued byte has left the wire.
    private var lineFreeMicros: Int64 = 0
    /// The last write hit a full pty buffer: wait for POLLOUT.
    private(set) var isBlocked = false

    /// Bytes held at most: a client that never reads must not make the simulator grow.
    private static let queueLimit = 64 * 1024

    init(timing: FrameTiming?) { self.timing = timing }

    mutating func enqueue(_ bytes: [UInt8], requestLength: Int, extraDelayMicros: Int64, now: Int64) -> Bool {
        guard queuedBytes + bytes.count <= Self.queueLimit else { return false }
        var start = now + extraDelayMicros
        if let timing {
            let requestEnd = now + Int64(timing.wireMicros(bytes: requestLength))
            start = max(requestEnd + Int64(timing.t35Micros) + extraDelayMicros, lineFreeMicros + Int64(timing.t35Micros))
            lineFreeMicros = start + Int64(timing.wireMicros(bytes: bytes.count))
        }
        queue.append(Pending(bytes: bytes, startMicros: start))
        queuedBytes += bytes.count
        return true
    }

    /// When the next byte falls due, or nil if nothing waits (or the pty is full: POLLOUT wakes).
    var nextDeadline: Int64? {
        guard let head = queue.first, !isBlocked else { return nil }
        guard let timing else { return head.startMicros }
        return head.startMicros + Int64(head.sent + 1) * Int64(timing.characterMicros)
    }

    /// Whether `nextDeadline` is the last byte of a reply: the master waits for exactly that
    /// one, so the loop wakes for it with sub-millisecond precision.
    var nextIsLastByte: Bool {
        guard let head = queue.first, timing != nil else { return false }
        return head.sent + 1 == head.bytes.count
    }

    /// Writes every byte that is due by `now`.
    mutating func sendDue(fd: FileDescriptor, now: Int64) {
        while !queue.isEmpty {
            let head = queue[0]
            let due = dueCount(head, now: now)
            guard due > head.sent else { return }
            let written: Int
            do {
                written = try head.bytes.withUnsafeBytes { raw in
                    Result { () throws(SystemError) -> Int in try fd.write(UnsafeRawBufferPointer(rebasing: raw[head.sent..<due])) }
                }.get()
            } catch {
                isBlocked = false
                dropHead()   // the line is gone: the reply is lost, as on a real bus
                return
            }
            if written == 0 { isBlocked = true; return }   // the pty is full: POLLOUT wakes the loop
            isBlocked = false
            queue[0].sent += written
            if queue[0].sent == head.bytes.count { dropHead() } else if written < due - head.sent { isBlocked = true; return }
        }
    }

    private func dueCount(_ pending: Pending, now: Int64) -> Int {
        guard now >= pending.startMicros else { return 0 }
        guard let timing else { return pending.bytes.count }
        // A byte is handed over once its last bit would have left the wire.
        let characters = (now - pending.startMicros) / Int64(timing.characterMicros)
        return Int(min(Int64(pending.bytes.count), characters))
    }

    private mutating func dropHead() {
        queuedBytes -= queue[0].bytes.count
        queue.removeFirst()
    }
}
