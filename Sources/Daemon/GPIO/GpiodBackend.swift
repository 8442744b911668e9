import Config
import OS

/// Real GPIO lines through the kernel's character device and whichever libgpiod is installed
/// (loaded at the first claim, see `GpiodLibrary`): outputs requested with consumer `tanglemeter`,
/// active-low passed to the kernel (so `gpioinfo` shows it and values are logical), initial value
/// inactive in the request itself. The kernel releases the lines if the process dies.
public final class GpiodBackend: GPIOBackend {
    /// The `gpio.chip` value: `auto`, a name, a path, or a label.
    public let chipSelector: String
    private var library: (any GpiodAPI)?
    private var chip: OpaquePointer?
    private var chipName = ""
    /// Each claimed line's handle: the v1 line or the v2 request.
    private var lines = [UInt32: OpaquePointer]()

    public init(chip: String) { self.chipSelector = chip }

    /// The chip actually opened, as "name (label)", for the start-up log line.
    public private(set) var chipDescription = ""

    public var statusName: String { "libgpiod-" + (library?.version ?? "unknown") }

    public func claim(lines requests: [GPIOLine]) throws(GPIOError) {
        let library: any GpiodAPI
        if let loaded = self.library {
            library = loaded
        } else {
            library = try GpiodLibrary.load()
            self.library = library
        }
        if chip == nil {
            let opened = try GpiodChip.open(chipSelector, library)
            let info = library.describe(opened)
            chip = opened
            chipName = info.name
            chipDescription = "\(info.name) (\(info.label))"
        }
        guard let chip else { return }
        let lineCount = library.describe(chip).lineCount
        for request in requests {
            // Checked here, not left to the library: v2 has no per-line lookup to fail on.
            if request.offset >= lineCount {
                throw .noSuchLine(line: request.offset, chip: chipName, lineCount: lineCount)
            }
            switch library.requestOutput(chip, offset: request.offset, activeLow: request.activeLow, consumer: "tanglemeter") {
            case .line(let handle):
                lines[request.offset] = handle
            case .failed(let code) where code == .EBUSY:
                let consumer = library.consumer(chip, offset: request.offset) ?? "unknown"
                throw .busy(line: request.offset, chip: chipName, consumer: consumer)
            case .failed(let code):
                throw .system(SystemError("request line", "\(request.offset) of \(chipName)", errno: code))
            }
        }
    }

    public func set(line: UInt32, active: Bool) throws(GPIOError) {
        guard let handle = lines[line], let library else { throw .notClaimed(line: line) }
        if let code = library.set(handle, offset: line, active: active) {
            throw .system(SystemError("set line", "\(line) of \(chipName)", errno: code))
        }
    }

    /// Relay open first, then the lines go back to the kernel (which keeps the last level only
    /// until something else claims them; the pull decides after that).
    public func release() {
        if let library {
            for (offset, handle) in lines {
                _ = library.set(handle, offset: offset, active: false)
                library.release(handle)
            }
            if let chip { library.closeChip(chip) }
        }
        lines = [UInt32: OpaquePointer]()
        chip = nil
    }

    deinit { release() }
}
