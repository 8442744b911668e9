import CGPIOD
import CSystem

/// Real GPIO lines through libgpiod v1.6's character device: outputs requested with consumer
/// `tanglemeter`, active-low passed to the kernel (so `gpioinfo` shows it and values are
/// logical), initial value inactive. The kernel releases the lines if the process dies.
public final class GpiodBackend: GPIOBackend {
    /// The `gpio.chip` value: `auto`, a name, a path, or a label.
    public let chipSelector: String
    private var chip: OpaquePointer?
    private var chipName = ""
    private var lines: [UInt32: OpaquePointer] = [:]

    public init(chip: String) { self.chipSelector = chip }

    /// The chip actually opened, as "name (label)", for the start-up log line.
    public private(set) var chipDescription = ""

    public func claim(lines requests: [GPIOLineRequest]) throws(GPIOError) {
        if chip == nil {
            let opened = try GpiodChip.open(chipSelector)
            let (name, label) = GpiodChip.describe(opened)
            chip = opened
            chipName = name
            chipDescription = "\(name) (\(label))"
        }
        guard let chip else { return }
        for request in requests {
            guard let line = gpiod_chip_get_line(chip, request.offset) else {
                if tm_errno() == EINVAL {
                    throw .noSuchLine(line: request.offset, chip: chipName, lineCount: gpiod_chip_num_lines(chip))
                }
                throw .system(SystemError("gpiod_chip_get_line", "line \(request.offset) of \(chipName)"))
            }
            let flags = request.activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
            if gpiod_line_request_output_flags(line, "tanglemeter", flags, 0) != 0 {
                let code = tm_errno()
                if code == EBUSY {
                    _ = gpiod_line_update(line)
                    let consumer = gpiod_line_consumer(line).map { String(cString: $0) } ?? "unknown"
                    throw .busy(line: request.offset, chip: chipName, consumer: consumer)
                }
                throw .system(SystemError("request line", "\(request.offset) of \(chipName)", errno: code))
            }
            lines[request.offset] = line
        }
    }

    public func set(line: UInt32, active: Bool) throws(GPIOError) {
        guard let handle = lines[line] else { throw .notClaimed(line: line) }
        if gpiod_line_set_value(handle, active ? 1 : 0) != 0 {
            throw .system(SystemError("set line", "\(line) of \(chipName)"))
        }
    }

    /// Relay open first, then the lines go back to the kernel (which keeps the last level only
    /// until something else claims them; the pull decides after that).
    public func release() {
        for (_, handle) in lines {
            _ = gpiod_line_set_value(handle, 0)
            gpiod_line_release(handle)
        }
        lines = [:]
        if let chip { gpiod_chip_close(chip) }
        chip = nil
    }

    deinit { release() }
}
