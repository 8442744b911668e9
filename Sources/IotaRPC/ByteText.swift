/// Small byte-level text helpers shared by the JSON reader, writer and error messages.

func appendUTF8(_ scalar: UInt32, to text: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        text.append(UInt8(scalar))
    case 0x80..<0x800:
        text.append(UInt8(0xC0 | scalar >> 6))
        text.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
        text.append(UInt8(0xE0 | scalar >> 12))
        text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
        text.append(UInt8(0x80 | scalar & 0x3F))
    default:
        text.append(UInt8(0xF0 | scalar >> 18))
        text.append(UInt8(0x80 | scalar >> 12 & 0x3F))
        text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
        text.append(UInt8(0x80 | scalar & 0x3F))
    }
}

func hexDigitValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

func hexByte(_ byte: UInt8) -> String {
    String(decoding: [UInt8(ascii: "0"), UInt8(ascii: "x"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]],
           as: UTF8.self)
}

func hex4Text(_ value: UInt32) -> String {
    String(decoding: (0..<4).map { hexDigits[Int(value >> (12 - 4 * UInt32($0)) & 0xF)] }, as: UTF8.self)
}

func printable(_ byte: UInt8) -> String {
    byte >= 0x21 && byte < 0x7F ? String(decoding: [byte], as: UTF8.self) : hexByte(byte)
}
