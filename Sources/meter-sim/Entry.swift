import OS

// A C-level entry point (Embedded Swift has no CommandLine); SwiftPM aliases `main` to it.
@_cdecl("meter_sim_main")
func meterSimMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var args: [String] = []
    for index in 1..<max(1, Int(argc)) {
        if let pointer = argv[index] { args.append(String(cString: pointer)) }
    }
    if args.contains("--help") || args.contains("-h") {
        writeAll(1, usageText + "\n")
        return 0
    }
    let options: SimOptions
    do {
        options = try SimOptions.parse(args)
    } catch {
        writeAll(2, "meter-sim: \(error.message)\n\(usageText)\n")
        return 1
    }
    do {
        var simulator = try Simulator(options: options)
        return simulator.run()
    } catch {
        writeAll(2, "meter-sim: \(error.message)\n")
        return 2
    }
}

/// Writes all of `text` to `fd` with write(2): stdio would buffer `ready` lines in a pipe.
func writeAll(_ fd: Int32, _ text: String) {
    try? FileDescriptor(rawValue: fd).writeAll(text)
}
