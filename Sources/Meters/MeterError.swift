import Ledger
import ModbusRTU

/// Why a meter's reply did not become a trustworthy `Reading`.
public enum MeterError: Error, Equatable, Sendable {
    /// A register read returned another number of registers than the map needs.
    case wrongRegisterCount(expected: Int, got: Int)
    /// The meter answered with a Modbus exception.
    case exception(ModbusExceptionCode)
    /// The reply was valid Modbus but not the kind the request calls for.
    case unexpectedResponse
    /// A value beyond what the meter can measure: a corrupt frame that passed its CRC
    /// (meters.md quirk 3). `value` and `limit` are in the quantity's fixed-point unit.
    case implausible(Quantity, value: UInt32, limit: UInt32)
    /// A float32 register (Eastron) that is NaN, infinite, negative where the quantity cannot be,
    /// or too large for its fixed-point field: a meter fault, never a value.
    case badFloat(Quantity, bits: UInt32)

    /// One line of text for logs and the control socket.
    public var message: String {
        switch self {
        case .wrongRegisterCount(let expected, let got): "meter returned \(got) registers, expected \(expected)"
        case .exception(let code): "meter refused: \(code.message)"
        case .unexpectedResponse: "meter sent an unexpected kind of reply"
        case .implausible(let quantity, let value, let limit):
            "implausible \(quantity.name) \(FixedPoint.format(Int128(value), decimals: quantity.decimals)) \(quantity.unit)"
                + " (limit \(FixedPoint.format(Int128(limit), decimals: quantity.decimals)) \(quantity.unit))"
        case .badFloat(let quantity, let bits):
            "meter sent \(quantity.name) as float 0x\(hex32(bits)), not a value it can measure"
        }
    }
}

/// Eight hex digits, for float bit patterns in messages.
func hex32(_ value: UInt32) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    var text = ""
    for shift in stride(from: 28, through: 0, by: -4) {
        text.append(Character(Unicode.Scalar(digits[Int((value >> UInt32(shift)) & 0xF)])))
    }
    return text
}
