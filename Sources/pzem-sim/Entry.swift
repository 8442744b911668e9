import ModbusRTU
import CSystem

// A C-level entry point (Embedded Swift has no CommandLine); SwiftPM aliases `main` to it.
@_cdecl("pzem_sim_main")
func pzemSimMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    print("pzem-sim: not there yet")
    return 1
}
