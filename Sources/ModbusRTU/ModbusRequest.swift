/// A request a Modbus RTU master sends, as a value. `encode()` gives the whole ADU with its CRC.
public enum ModbusRequest: Equatable, Sendable {
    /// FC 03: `count` holding registers from `start`.
    case readHoldingRegisters(slave: UInt8, start: UInt16, count: UInt16)
    /// FC 04: `count` input registers from `start`.
    case readInputRegisters(slave: UInt8, start: UInt16, count: UInt16)
    /// FC 06: one holding register; the reply echoes the request.
    case writeSingleRegister(slave: UInt8, register: UInt16, value: UInt16)
    /// FC 0x42, Peacefair's reset of the energy counter; the reply echoes the request.
    case resetEnergy(slave: UInt8)

    /// The address the request is sent to (0 broadcast, 0xF8 "any single PZEM").
    public var slave: UInt8 {
        switch self {
        case .readHoldingRegisters(let slave, _, _), .readInputRegisters(let slave, _, _),
             .writeSingleRegister(let slave, _, _), .resetEnergy(let slave):
            slave
        }
    }

    /// The function code on the wire.
    public var function: UInt8 {
        switch self {
        case .readHoldingRegisters: ModbusFunction.readHoldingRegisters
        case .readInputRegisters: ModbusFunction.readInputRegisters
        case .writeSingleRegister: ModbusFunction.writeSingleRegister
        case .resetEnergy: ModbusFunction.resetEnergy
        }
    }

    /// Length of the normal (non-exception) reply in bytes, address and CRC included.
    public var replyLength: Int {
        switch self {
        case .readHoldingRegisters(_, _, let count), .readInputRegisters(_, _, let count):
            ModbusFunction.readReplyLength(dataBytes: 2 * Int(count))
        case .writeSingleRegister: ModbusFunction.writeReplyLength
        case .resetEnergy: ModbusFunction.resetReplyLength
        }
    }

    /// The request ADU: address, function, fields big-endian, CRC low byte first.
    public func encode() -> [UInt8] {
        var frame: [UInt8] = [slave, function]
        switch self {
        case .readHoldingRegisters(_, let first, let second), .readInputRegisters(_, let first, let second),
             .writeSingleRegister(_, let first, let second):
            let (a, b) = bigEndianBytes(first)
            let (c, d) = bigEndianBytes(second)
            frame.append(contentsOf: [a, b, c, d])
        case .resetEnergy:
            break
        }
        ModbusCRC.append(to: &frame)
        return frame
    }
}
