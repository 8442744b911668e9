/// What a `RequestDecoder` holds next.
public enum RequestStep: Equatable, Sendable {
    /// No complete request buffered.
    case needMore
    /// A CRC-checked request tanglemeter's slaves understand.
    case request(ModbusRequest)
    /// A CRC-checked frame with a function code no PZEM here implements: answer exception 01.
    case unsupported(slave: UInt8, function: UInt8)
    /// A frame that fails its CRC or bytes that form no frame. The buffer was discarded, as a
    /// real slave discards a bad frame and stays silent (Modbus over Serial Line §2.4.2).
    case failed(ModbusError)
}

/// Incremental decoder of requests (the slave side, used by meter-sim). Request lengths come from
/// the function code; for codes it does not know it looks for a CRC match, as ESPHome does for
/// custom functions. Call `next()` until it says `.needMore`; call `discardPending()` when the
/// line has been silent for t3.5 with a partial frame buffered, as RTU framing prescribes.
public struct RequestDecoder {
    private var buffer: [UInt8] = []

    public init() {}

    /// Bytes buffered that do not form a complete frame yet.
    public var pendingCount: Int { buffer.count }

    /// Adds received bytes.
    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Drops a partial frame (the line fell silent); returns how many bytes were dropped.
    @discardableResult
    public mutating func discardPending() -> Int {
        let count = buffer.count
        buffer.removeAll(keepingCapacity: true)
        return count
    }

    /// The next complete request, if any.
    public mutating func next() -> RequestStep {
        guard buffer.count >= 2 else { return .needMore }
        let slave = buffer[0]
        let function = buffer[1]
        guard let length = requestLength(function) else {
            return scanForUnknownFrame(slave: slave, function: function)
        }
        guard buffer.count >= length else { return .needMore }
        let crc = ModbusCRC.carriedAndComputed(buffer, 0, length)
        guard crc.carried == crc.computed else {
            discardPending()
            return .failed(.badCRC(expected: crc.computed, got: crc.carried))
        }
        let step = decode(slave: slave, function: function)
        buffer.removeFirst(length)
        return step
    }

    /// Request length from the function code (Modbus application protocol §6), or nil.
    private func requestLength(_ function: UInt8) -> Int? {
        switch function {
        case 0x01, 0x02, 0x03, 0x04, 0x05, 0x06: return 8
        case 0x0F, 0x10:
            // address, fc, start, count, byte count, data, CRC
            return buffer.count > 6 ? 9 + Int(buffer[6]) : 9
        case 0x41: return 6      // PZEM calibration: F8 41 37 21 CRC
        case ModbusFunction.resetEnergy: return 4
        default: return nil
        }
    }

    private func decode(slave: UInt8, function: UInt8) -> RequestStep {
        // Every request is at least 4 bytes long, so bytes 2 and 3 exist (the CRC for 0x42).
        let first = bigEndianWord(buffer, 2)
        switch function {
        case ModbusFunction.readHoldingRegisters:
            return .request(.readHoldingRegisters(slave: slave, start: first, count: bigEndianWord(buffer, 4)))
        case ModbusFunction.readInputRegisters:
            return .request(.readInputRegisters(slave: slave, start: first, count: bigEndianWord(buffer, 4)))
        case ModbusFunction.writeSingleRegister:
            return .request(.writeSingleRegister(slave: slave, register: first, value: bigEndianWord(buffer, 4)))
        case ModbusFunction.resetEnergy:
            return .request(.resetEnergy(slave: slave))
        default:
            return .unsupported(slave: slave, function: function)
        }
    }

    /// An unknown function: the shortest prefix (at least 4 bytes) whose CRC checks is the frame.
    private mutating func scanForUnknownFrame(slave: UInt8, function: UInt8) -> RequestStep {
        var crc = ModbusCRC.update(ModbusCRC.update(ModbusCRC.initial, slave), function)
        var index = 2
        let limit = min(buffer.count, ModbusFunction.maxFrameLength)
        while index + 2 <= limit {
            let carried = UInt16(buffer[index]) | UInt16(buffer[index + 1]) << 8
            if carried == crc {
                buffer.removeFirst(index + 2)
                return .unsupported(slave: slave, function: function)
            }
            crc = ModbusCRC.update(crc, buffer[index])
            index += 1
        }
        if buffer.count >= ModbusFunction.maxFrameLength {
            return .failed(.garbage(count: discardPending()))
        }
        return .needMore
    }
}
