import Daemon

// A C-level entry point, because Embedded Swift has no CommandLine. SwiftPM links `main` as an
// alias of `<module>_main`, so that is the name to define; it works the same in both build modes.
@_cdecl("tanglemeter_main")
func tanglemeterMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runMain(arguments(argc: argc, argv: argv))
}
