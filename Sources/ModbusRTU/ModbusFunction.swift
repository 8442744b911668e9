/// The function codes tanglemeter speaks, in one place. An exception reply carries the request's
/// function code with the high bit set (`code | exceptionFlag`).
public enum ModbusFunction {
    public static let readHoldingRegisters: UInt8 = 0x03
    public static let readInputRegisters: UInt8 = 0x04
    public static let writeSingleRegister: UInt8 = 0x06
    /// Peacefair's custom "reset energy" (PZEM-004T v3, PZEM-017): 4-byte request, 4-byte echo.
    public static let resetEnergy: UInt8 = 0x42
    /// Set in the function byte of an exception reply.
    public static let exceptionFlag: UInt8 = 0x80
    /// Most registers one read may ask for (the byte count of the reply must fit in one byte).
    public static let maxReadCount: UInt16 = 125
    /// The longest RTU frame (address, PDU of up to 253 bytes, CRC).
    public static let maxFrameLength = 256

    // Reply lengths, address and CRC included: the one rule the decoder, the request and the bus
    // timing share (libmodbus derives them from the function code the same way).
    /// An exception reply: address, function | 0x80, exception code, CRC.
    public static let exceptionReplyLength = 5
    /// A write's reply echoes the request: address, function, register, value, CRC.
    public static let writeReplyLength = 8
    /// Peacefair's reset reply echoes its 4-byte request.
    public static let resetReplyLength = 4

    /// A read reply carrying `dataBytes` bytes of registers: address, function, byte count, data, CRC.
    public static func readReplyLength(dataBytes: Int) -> Int { 5 + dataBytes }

    /// The normal reply's length for `function`, a read's with `dataBytes` of data; nil for
    /// functions tanglemeter never asks.
    public static func replyLength(_ function: UInt8, dataBytes: Int) -> Int? {
        switch function {
        case readHoldingRegisters, readInputRegisters: readReplyLength(dataBytes: dataBytes)
        case writeSingleRegister: writeReplyLength
        case resetEnergy: resetReplyLength
        default: nil
        }
    }
}

/// The two big-endian bytes of a 16-bit field.
@inline(__always)
func bigEndianBytes(_ value: UInt16) -> (UInt8, UInt8) {
    (UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
}

/// The big-endian 16-bit field at `index`; the caller checks `index + 1 < bytes.count`.
@inline(__always)
func bigEndianWord(_ bytes: [UInt8], _ index: Int) -> UInt16 {
    UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
}
