/// `"01 04 00 00"` → bytes: the spec's example frames are quoted in tests as written there.
func hex(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}
