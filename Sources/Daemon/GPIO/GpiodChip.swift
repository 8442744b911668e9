import OS

/// Finding the chip `gpio.chip` names, with either libgpiod (a chip is opened by its path in both
/// APIs: a name `gpiochipN` means `/dev/gpiochipN`).
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

    /// Opens the chip `value` selects. The caller closes it with `library.closeChip`.
    static func open(_ value: String, _ library: any GpiodAPI) throws(GPIOError) -> OpaquePointer {
        switch Selector(value) {
        case .path(let path):
            return try openPath(path, wanted: value, library)
        case .name(let name):
            return try openPath("/dev/" + name, wanted: value, library)
        case .auto:
            return try find(value, library) { headerLabels.contains($0) }
        case .label(let label):
            return try find(value, library) { $0 == label }
        }
    }

    private static func openPath(_ path: String, wanted: String, _ library: any GpiodAPI) throws(GPIOError) -> OpaquePointer {
        if let chip = library.openChip(path) { return chip }
        let code = Errno.current
        if code == .ENOENT { throw .chipNotFound(wanted: wanted, found: try scan(library) { _ in false }.seen) }
        throw .system(SystemError("open GPIO chip", path, errno: code))
    }

    /// Scans every chip; keeps the first whose label matches open, closes the rest.
    private static func find(_ wanted: String, _ library: any GpiodAPI, _ matches: (String) -> Bool) throws(GPIOError) -> OpaquePointer {
        let (found, seen) = try scan(library, matches)
        if let chip = found { return chip }
        throw .chipNotFound(wanted: wanted, found: seen)
    }

    /// Opens each /dev/gpiochipN in number order until one's label matches (left open for the
    /// caller); `seen` lists every chip visited as "name (label)". Not libgpiod's chip iterator
    /// (v1's gives up on all chips when one cannot be opened: a stale /dev/gpiochip9 in the VM made
    /// `auto` fail beside a good pinctrl-rp1; v2 has none); here such a chip is listed and skipped.
    private static func scan(_ library: any GpiodAPI, _ matches: (String) -> Bool) throws(GPIOError)
        -> (found: OpaquePointer?, seen: [String]) {
        var seen: [String] = []
        for name in try chipNames() {
            guard let chip = library.openChip("/dev/" + name) else {
                seen.append("\(name) (cannot open: \(Errno.current.text))")
                continue
            }
            let label = library.describe(chip).label
            seen.append("\(name) (\(label))")
            if matches(label) { return (chip, seen) }
            library.closeChip(chip)
        }
        return (nil, seen)
    }

    /// The gpiochipN entries of /dev, sorted by N.
    private static func chipNames() throws(GPIOError) -> [String] {
        var numbers: [Int] = []
        do {
            for name in try FileSystem.list("/dev") {
                if let number = chipNumber(name) { numbers.append(number) }
            }
        } catch {
            throw .system(error)
        }
        // Ascending by selection: a machine has a handful of chips, and this keeps a generic
        // sort (1.5 KB of firmware) out for one short list.
        var names: [String] = []
        while let smallest = numbers.min(), let index = numbers.firstIndex(of: smallest) {
            names.append("gpiochip\(smallest)")
            numbers.remove(at: index)
        }
        return names
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
}
