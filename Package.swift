// swift-tools-version:6.0
// tanglemeter: a pay-as-you-go electricity socket daemon.
//
// Two build modes from one manifest:
//  - normal (`swift build`, `swift test`): unit tests, fuzzers, sanitizers;
//  - Embedded Swift firmware (`EMBEDDED=1`, driven by the Makefile): the shipped binaries.
// The Makefile passes the embedded stdlib's library folder with -Xlinker, so no machine path lives here.
import PackageDescription

let embedded = Context.environment["EMBEDDED"] == "1"
let swiftFlags: [SwiftSetting] = embedded
    ? [.enableExperimentalFeature("Embedded"), .unsafeFlags(["-wmo"])]
    : []
let firmwareLink: [LinkerSetting] = embedded
    ? [.linkedLibrary("swiftUnicodeDataTables"), .linkedLibrary("m")]
    : []

func module(_ name: String, _ deps: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: deps, swiftSettings: swiftFlags)
}

let package = Package(
    name: "tanglemeter",
    products: [
        .executable(name: "tanglemeter", targets: ["tanglemeter"]),
        .executable(name: "pzem-sim", targets: ["pzem-sim"]),
    ],
    targets: [
        // C through module maps: libc, libcurl, libgpiod (the last two found by pkg-config).
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl"),
        .systemLibrary(name: "CGPIOD", path: "Sources/CGPIOD", pkgConfig: "libgpiod"),

        // The functional core: values in, values out, no system calls.
        module("ModbusRTU"),
        module("Meters", ["ModbusRTU"]),
        module("Ledger"),
        module("Journal", ["Ledger", "CSystem"]),
        module("IotaRPC", ["Ledger"]),
        module("Config", ["Ledger", "IotaRPC"]),
        module("Control", ["Ledger"]),

        // The imperative shell.
        module("Daemon", ["ModbusRTU", "Meters", "Ledger", "Journal", "IotaRPC", "Config", "Control",
                          "CSystem", "CCurl", "CGPIOD"]),
        .executableTarget(name: "tanglemeter", dependencies: ["Daemon"],
                          swiftSettings: swiftFlags, linkerSettings: firmwareLink),
        .executableTarget(name: "pzem-sim", dependencies: ["ModbusRTU", "CSystem"],
                          swiftSettings: swiftFlags, linkerSettings: firmwareLink),

        // Unit tests (normal mode only), with one seeded generator they share.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ModbusRTUTests", dependencies: ["TestSupport", "ModbusRTU"]),
        .testTarget(name: "MetersTests", dependencies: ["Meters", "ModbusRTU"]),
        .testTarget(name: "LedgerTests", dependencies: ["TestSupport", "Ledger"]),
        .testTarget(name: "JournalTests", dependencies: ["TestSupport", "Journal", "Ledger"]),
        .testTarget(name: "IotaRPCTests", dependencies: ["IotaRPC", "Ledger"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Ledger"]),
        .testTarget(name: "ControlTests", dependencies: ["TestSupport", "Control", "Ledger"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "CSystem"]),
    ]
)
