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
        let (found, seen) = try scan(matches)
        if let chip = found { return chip }
        throw .chipNotFound(wanted: wanted, found: seen)
    }

    private static func listAll() throws(GPIOError) -> [String] {
        try scan { _ in false }.seen
    }

    /// Opens each /dev/gpiochipN in number order until one's label matches (left open for the
    /// caller); `seen` lists every chip visited as "name (label)". Not gpiod_chip_iter_new: it
    /// gives up on all chips when one cannot be opened (a stale /dev/gpiochip9 in the VM made
    /// `auto` fail beside a good pinctrl-rp1); here such a chip is listed and skipped.
    private static func scan(_ matches: (String) -> Bool) throws(GPIOError) -> (found: OpaquePointer?, seen: [String]) {
        var seen: [String] = []
        for name in try chipNames() {
            guard let chip = gpiod_chip_open_by_name(name) else {
                seen.append("\(name) (cannot open: \(errnoText(tm_errno())))")
                continue
            }
            let (_, label) = describe(chip)
            seen.append("\(name) (\(label))")
            if matches(label) { return (chip, seen) }
            gpiod_chip_close(chip)
        }
        return (nil, seen)
    }

    /// The gpiochipN entries of /dev, sorted by N.
    private static func chipNames() throws(GPIOError) -> [String] {
        guard let dir = opendir("/dev") else { throw .system(SystemError("opendir", "/dev")) }
        defer { closedir(dir) }
        var numbers: [Int] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let number = chipNumber(name) { numbers.append(number) }
        }
        return numbers.sorted().map { "gpiochip\($0)" }
    }

    /// N for "gpiochipN" (at most 6 digits), else nil.
    static func chipNumber(_ name: String) -> Int? {
        guard name.hasPrefix("gpiochip") else { return nil }
        let digits = name.utf8.dropFirst(8)
        guard !digits.isEmpty, digits.count <= 6 else { return nil }
        var number = 0
        for d in digits {
            guard d >= 48 && d <= 57 else { return nil }
            number = number * 10 + Int(d - 48)
        }
        return number
    }

    static func describe(_ chip: OpaquePointer) -> (name: String, label: String) {
        let name = gpiod_chip_name(chip).map { String(cString: $0) } ?? "?"
        let label = gpiod_chip_label(chip).map { String(cString: $0) } ?? "?"
        return (name, label)
    }
}
