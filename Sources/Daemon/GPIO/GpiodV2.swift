import CGPIOD
import OS

/// libgpiod 2.x (`libgpiod.so.3`: Debian 13, Raspberry Pi OS trixie). There are no line objects:
/// each line is its own request, built from settings (output, active-low, initial value inactive,
/// all in the one request ioctl) and set by the chip's line offset, not an index.
final class GpiodV2: GpiodAPI {
    private let api: tm_gpiod2
    let version: String

    init(api: tm_gpiod2) {
        self.api = api
        version = GpiodLibrary.version(api.api_version())
    }

    func openChip(_ path: String) -> OpaquePointer? { api.chip_open(path) }

    func closeChip(_ chip: OpaquePointer) { api.chip_close(chip) }

    func describe(_ chip: OpaquePointer) -> GpiodChipInfo {
        guard let info = api.chip_get_info(chip) else { return GpiodChipInfo(name: "?", label: "?", lineCount: 0) }
        defer { api.chip_info_free(info) }
        return GpiodChipInfo(name: GpiodLibrary.text(api.chip_info_get_name(info)),
                             label: GpiodLibrary.text(api.chip_info_get_label(info)),
                             lineCount: UInt32(clamping: api.chip_info_get_num_lines(info)))
    }

    func requestOutput(_ chip: OpaquePointer, offset: UInt32, activeLow: Bool, consumer: String) -> GpiodRequest {
        guard let settings = api.line_settings_new() else { return .failed(errno: .ENOMEM) }
        defer { api.line_settings_free(settings) }
        if api.line_settings_set_direction(settings, UInt32(TM_GPIOD2_DIRECTION_OUTPUT)) != 0
            || api.line_settings_set_output_value(settings, Int32(TM_GPIOD2_VALUE_INACTIVE)) != 0 {
            return .failed(errno: .current)
        }
        api.line_settings_set_active_low(settings, activeLow)
        guard let lineConfig = api.line_config_new() else { return .failed(errno: .ENOMEM) }
        defer { api.line_config_free(lineConfig) }
        var lineOffset = offset
        if api.line_config_add_line_settings(lineConfig, &lineOffset, 1, settings) != 0 { return .failed(errno: .current) }
        guard let requestConfig = api.request_config_new() else { return .failed(errno: .ENOMEM) }
        defer { api.request_config_free(requestConfig) }
        api.request_config_set_consumer(requestConfig, consumer)
        guard let request = api.chip_request_lines(chip, requestConfig, lineConfig) else { return .failed(errno: .current) }
        return .line(request)
    }

    func consumer(_ chip: OpaquePointer, offset: UInt32) -> String? {
        guard let info = api.chip_get_line_info(chip, offset) else { return nil }
        defer { api.line_info_free(info) }
        return api.line_info_get_consumer(info).map { String(cString: $0) }
    }

    func set(_ line: OpaquePointer, offset: UInt32, active: Bool) -> Errno? {
        let value = active ? Int32(TM_GPIOD2_VALUE_ACTIVE) : Int32(TM_GPIOD2_VALUE_INACTIVE)
        return api.line_request_set_value(line, offset, value) == 0 ? nil : .current
    }

    func release(_ line: OpaquePointer) { api.line_request_release(line) }
}
