import CGPIOD
import OS

/// libgpiod 1.6 (`libgpiod.so.2`: Debian 12, Raspberry Pi OS bookworm). A line handle is the
/// chip's `struct gpiod_line`, owned by the chip.
final class GpiodV1: GpiodAPI {
    private let api: tm_gpiod1
    let version: String

    init(api: tm_gpiod1) {
        self.api = api
        version = GpiodLibrary.version(api.version_string())
    }

    func openChip(_ path: String) -> OpaquePointer? { api.chip_open(path) }

    func closeChip(_ chip: OpaquePointer) { api.chip_close(chip) }

    func describe(_ chip: OpaquePointer) -> GpiodChipInfo {
        GpiodChipInfo(name: GpiodLibrary.text(api.chip_name(chip)), label: GpiodLibrary.text(api.chip_label(chip)),
                      lineCount: api.chip_num_lines(chip))
    }

    func requestOutput(_ chip: OpaquePointer, offset: UInt32, activeLow: Bool, consumer: String) -> GpiodRequest {
        guard let line = api.chip_get_line(chip, offset) else { return .failed(errno: .current) }
        let flags = activeLow ? Int32(TM_GPIOD1_REQUEST_FLAG_ACTIVE_LOW) : 0
        if api.line_request_output_flags(line, consumer, flags, 0) != 0 { return .failed(errno: .current) }
        return .line(line)
    }

    func consumer(_ chip: OpaquePointer, offset: UInt32) -> String? {
        guard let line = api.chip_get_line(chip, offset) else { return nil }
        _ = api.line_update(line)
        return api.line_consumer(line).map { String(cString: $0) }
    }

    func set(_ line: OpaquePointer, offset: UInt32, active: Bool) -> Errno? {
        api.line_set_value(line, active ? 1 : 0) == 0 ? nil : .current
    }

    func release(_ line: OpaquePointer) { api.line_release(line) }
}
