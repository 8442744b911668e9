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
let firmwareLink: [LinkerSetting] = embedded ? [.linkedLibrary("m")] : []

// Firmware size (DESIGN §4, ≤ 512 KB): no SIL performance inlining, so the stdlib's string, array
// and dictionary code is called rather than copied into every caller (about -140 KB). Control, on
// the request path, keeps it: its per-byte loops (line framing, reply sanitising) are several times
// slower without it, which the 1000-client abuse test's status p99 shows.
let noInlining: [SwiftSetting] = embedded
    ? [.unsafeFlags(["-Xfrontend", "-sil-inline-threshold", "-Xfrontend", "0"])]
    : []

// Firmware only: Swift 6.3's Embedded runtime returns a masked pointer from swift_bridgeObjectRetain,
// which corrupts strings (swiftlang/swift#91151); Sources/EmbeddedRuntimeFix replaces it at link time.
// Firmware only, too: Sources/EmbeddedTextTables answers the stdlib's Unicode property lookups the
// way the real tables answer them for ASCII, in place of libswiftUnicodeDataTables.a (-37 KB; the
// daemon's text is ASCII by contract, see the file).
let runtimeFix: [Target.Dependency] = embedded ? ["EmbeddedRuntimeFix", "EmbeddedTextTables"] : []
// No unwind tables: under full LTO one C file asking for them puts an .eh_frame entry on every
// function of the firmware (+130 KB on x86_64).
let runtimeFixTarget: [Target] = embedded
    ? ["EmbeddedRuntimeFix", "EmbeddedTextTables"].map {
        .target(name: $0, cSettings: [.unsafeFlags(["-fno-asynchronous-unwind-tables"])])
    }
    : []

func module(_ name: String, _ deps: [Target.Dependency] = [], inlining: Bool = false) -> Target {
    .target(name: name, dependencies: deps, swiftSettings: swiftFlags + (inlining ? [] : noInlining))
}

let package = Package(
    name: "tanglemeter",
    products: [
        .executable(name: "tanglemeter", targets: ["tanglemeter"]),
        .executable(name: "meter-sim", targets: ["meter-sim"]),
    ],
    targets: runtimeFixTarget + [
        // C through module maps: libc, libcurl (found by pkg-config), and libgpiod's functions
        // declared by the shim itself: it is dlopen()ed at run time, never linked (DESIGN §2).
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl"),
        .systemLibrary(name: "CGPIOD", path: "Sources/CGPIOD"),

        // Each system call wrapped once (DESIGN §2): the only Swift module that imports CSystem.
        module("OS", ["CSystem"]),

        // The functional core: values in, values out, no system calls.
        module("ModbusRTU"),
        module("Meters", ["ModbusRTU", "Ledger"]),
        module("Ledger"),
        module("Journal", ["Ledger", "OS"]),
        module("IotaRPC", ["Ledger"]),
        module("Config", ["Ledger", "IotaRPC", "Meters"]),
        module("Control", ["Ledger"], inlining: true),

        // The imperative shell.
        module("Daemon", ["ModbusRTU", "Meters", "Ledger", "Journal", "IotaRPC", "Config", "Control",
                          "OS", "CCurl", "CGPIOD"]),
        .executableTarget(name: "tanglemeter", dependencies: ["Daemon"] + runtimeFix,
                          swiftSettings: swiftFlags + noInlining, linkerSettings: firmwareLink),
        .executableTarget(name: "meter-sim", dependencies: ["ModbusRTU", "Ledger", "OS"] + runtimeFix,
                          swiftSettings: swiftFlags + noInlining, linkerSettings: firmwareLink),

        // Unit tests (normal mode only), with one seeded generator they share.
        .target(name: "TestSupport", dependencies: ["Ledger"], path: "Tests/TestSupport"),
        .testTarget(name: "OSTests", dependencies: ["OS", "CSystem"]),
        .testTarget(name: "ModbusRTUTests", dependencies: ["TestSupport", "ModbusRTU"]),
        .testTarget(name: "MetersTests", dependencies: ["TestSupport", "Meters", "ModbusRTU"]),
        .testTarget(name: "LedgerTests", dependencies: ["TestSupport", "Ledger"]),
        .testTarget(name: "JournalTests", dependencies: ["TestSupport", "Journal", "Ledger", "OS"]),
        .testTarget(name: "IotaRPCTests", dependencies: ["TestSupport", "IotaRPC", "Ledger"], exclude: ["Samples"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Ledger"]),
        .testTarget(name: "ControlTests", dependencies: ["TestSupport", "Control", "Ledger"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "OS", "CSystem"]),
    ]
)
