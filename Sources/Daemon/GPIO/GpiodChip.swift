import CGPIOD
import CSystem

/// Finding the chip `gpio.chip` names, on libgpiod v1.6 (Debian 12, Raspberry Pi OS bookworm).
enum GpiodChip {
    /// Labels of the Raspberry Pi's 40-pin header chip: Pi 5, Pi 4, Pi 0–3. Matched by label
    /// because the Pi 5's chip number changed (gpiochip4 → gpiochip0 in kernel 6.6.45).
    static let headerLabels = ["pinctrl-rp1", "pinctrl-bcm2711", "pinctrl-bcm2835"]

    /// How a `gpio.chip` value selects a chip.
    enum Selector: Equatable {
        case auto
        case path(String)
        case name(String)
        case label(String)

        init(_ value: String) {
            if value == "auto" { self = .auto }
            else if value.hasPrefix("/") { self = .path(value) }
            else if value.hasPrefix("gpiochip") && value.utf8.count > 8
                        && value.utf8.dropFirst(8).allSatisfy({ $0 >= 48 && $0 <= 57 }) { self = .name(value) }
            else { self = .label(value) }
        }
    }

    /// Opens the chip `value` selects. The caller closes it with gpiod_chip_close.
    static func open(_ value: String) throws(GPIOError) -> OpaquePointer {
        let selector = Selector(value)
        switch selector {
        case .path(let path):
            if let chip = gpiod_chip_open(path) { return chip }
            if tm_errno() == ENOENT { throw .chipNotFound(wanted: value, found: try listAll()) }
            throw .system(SystemError("gpiod_chip_open", path))
        case .name(let name):
            if let chip = gpiod_chip_open_by_name(name) { return chip }
            if tm_errno() == ENOENT { throw .chipNotFound(wanted: value, found: try listAll()) }
            throw .system(SystemError("gpiod_chip_open", "/dev/\(name)"))
        case .auto:
            return try find(value) { headerLabels.contains($0) }
        case .label(let label):
            return try find(value) { $0 == label }
        }
    }

    /// Scans every chip; keeps the first whose label matches open, closes the rest.
    private static func find(_ wanted: String, _ matches: (String) -> Bool) throws(GPIOError) -> OpaquePointer {
        var seen: [String] = []
        var found: OpaquePointer? = nil
        try forEachChip { chip in
            let (name, label) = describe(chip)
            seen.append("\(name) (\(label))")
            if found == nil && matches(label) { found = chip; return true }
            return false
        }
        if let chip = found { return chip }
        throw .chipNotFound(wanted: wanted, found: seen)
    }

    private static func listAll() throws(GPIOError) -> [String] {
        var seen: [String] = []
        try forEachChip { chip in
            let (name, label) = describe(chip)
            seen.append("\(name) (\(label))")
            return false
        }
        return seen
    }

    /// Visits every /dev/gpiochip*; `keep` returning true leaves that chip open for the caller.
    private static func forEachChip(_ keep: (OpaquePointer) -> Bool) throws(GPIOError) {
        guard let iter = gpiod_chip_iter_new() else {
            throw .system(SystemError("gpiod_chip_iter_new", "/dev/gpiochip*"))
        }
        while let chip = gpiod_chip_iter_next_noclose(iter) {
            if !keep(chip) { gpiod_chip_close(chip) }
        }
        gpiod_chip_iter_free_noclose(iter)
    }

    static func describe(_ chip: OpaquePointer) -> (name: String, label: String) {
        let name = gpiod_chip_name(chip).map { String(cString: $0) } ?? "?"
        let label = gpiod_chip_label(chip).map { String(cString: $0) } ?? "?"
        return (name, label)
    }
}
