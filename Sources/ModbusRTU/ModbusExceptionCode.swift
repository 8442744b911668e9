/// The code in a Modbus exception reply (`addr fc|0x80 code CRC`).
public enum ModbusExceptionCode: Equatable, Sendable {
    case illegalFunction        // 01
    case illegalDataAddress     // 02
    case illegalDataValue       // 03
    case slaveDeviceFailure     // 04
    case acknowledge            // 05
    case slaveDeviceBusy        // 06
    case memoryParityError      // 08
    case gatewayPathUnavailable // 0A
    case gatewayTargetFailed    // 0B
    /// Any code the standard does not define; kept so nothing received is lost.
    case other(UInt8)

    /// The code as received.
    public init(code: UInt8) {
        switch code {
        case 0x01: self = .illegalFunction
        case 0x02: self = .illegalDataAddress
        case 0x03: self = .illegalDataValue
        case 0x04: self = .slaveDeviceFailure
        case 0x05: self = .acknowledge
        case 0x06: self = .slaveDeviceBusy
        case 0x08: self = .memoryParityError
        case 0x0A: self = .gatewayPathUnavailable
        case 0x0B: self = .gatewayTargetFailed
        default: self = .other(code)
        }
    }

    /// The code as sent on the wire.
    public var code: UInt8 {
        switch self {
        case .illegalFunction: 0x01
        case .illegalDataAddress: 0x02
        case .illegalDataValue: 0x03
        case .slaveDeviceFailure: 0x04
        case .acknowledge: 0x05
        case .slaveDeviceBusy: 0x06
        case .memoryParityError: 0x08
        case .gatewayPathUnavailable: 0x0A
        case .gatewayTargetFailed: 0x0B
        case .other(let code): code
        }
    }

    /// Human-readable text, as libmodbus' `modbus_strerror` words it.
    public var message: String {
        switch self {
        case .illegalFunction: "illegal function"
        case .illegalDataAddress: "illegal data address"
        case .illegalDataValue: "illegal data value"
        case .slaveDeviceFailure: "slave device failure"
        case .acknowledge: "acknowledge"
        case .slaveDeviceBusy: "slave device busy"
        case .memoryParityError: "memory parity error"
        case .gatewayPathUnavailable: "gateway path unavailable"
        case .gatewayTargetFailed: "gateway target device failed to respond"
        case .other(let code): "exception code \(code)"
        }
    }
}
