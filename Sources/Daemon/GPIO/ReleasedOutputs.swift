import OS

/// Whether this kernel keeps a released GPIO output at its last level. Raspberry Pi's kernels do by
/// default, so that `gpioset` changes persist: then a daemon that crashes leaves the relay closed.
/// The `dtparam=strict_gpiod` line in config.txt turns that off (raspberrypi/linux#6117): its pinctrl
/// drivers' module parameter `persist_gpio_outputs` (taken from upstream in raspberrypi/linux#6150,
/// May 2024) or, on the kernels of the few weeks before, `strict_gpiod` says which it is.
enum ReleasedOutputs {
    /// The Pi's header pinctrl drivers: Pi 5 (RP1), Pi 0–4 (BCM2835/2711).
    static let drivers = ["pinctrl_rp1", "pinctrl_bcm2835"]

    /// The `module.parameter=value` that says released outputs stay driven, or nil when no driver
    /// under `moduleRoot` (`/sys/module`) says so (an upstream kernel, or strict_gpiod on).
    static func persisting(moduleRoot: String = "/sys/module") -> String? {
        for driver in drivers {
            let parameters = "\(moduleRoot)/\(driver)/parameters/"
            if let value = parameter(parameters + "persist_gpio_outputs"), value == "Y" || value == "1" {
                return "\(driver).persist_gpio_outputs=\(value)"
            }
            if let value = parameter(parameters + "strict_gpiod"), value == "N" || value == "0" {
                return "\(driver).strict_gpiod=\(value)"
            }
        }
        return nil
    }

    /// The warning logged at start when `persisting` found something.
    static func warning(_ found: String) -> String {
        "this Raspberry Pi kernel keeps a released GPIO output at its last level (\(found)): if the daemon "
            + "crashes, the relay stays as it was. Add the line dtparam=strict_gpiod to /boot/firmware/config.txt "
            + "and reboot, so a released relay line falls to its pull-down; and set watchdog.device = /dev/watchdog "
            + "for a daemon that hangs"
    }

    /// A sysfs parameter's value without its newline, nil if it cannot be read.
    private static func parameter(_ path: String) -> String? {
        guard let text = try? readTextFile(path) else { return nil }
        var value = Substring(text)
        while let last = value.last, last == "\n" || last == " " { value = value.dropLast() }
        return String(value)
    }
}
