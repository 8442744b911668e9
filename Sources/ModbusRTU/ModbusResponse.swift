/// A decoded reply. The decoder checks it against its request, so the values carry no addresses.
public enum ModbusResponse: Equatable, Sendable {
    /// FC 03/04: the register values, in order.
    case registers([UInt16])
    /// FC 06: the echoed register and value.
    case writeEcho(register: UInt16, value: UInt16)
    /// FC 0x42: the counter was reset (the reply echoed the request).
    case resetDone
    /// An exception reply; `function` is the request's function code, without the 0x80 flag.
    case exception(function: UInt8, code: ModbusExceptionCode)

    /// The ADU a slave at `slave` sends for this response to a request with function code
    /// `function` (the slave side: meter-sim). An exception uses its own `function`.
    /// At most 125 registers are encoded (the byte count field is one byte).
    public func encode(slave: UInt8, function: UInt8) -> [UInt8] {
        var frame: [UInt8] = [slave]
        switch self {
        case .registers(let values):
            let used = values.prefix(Int(ModbusFunction.maxReadCount))
            frame.append(function)
            frame.append(UInt8(truncatingIfNeeded: used.count * 2))
            for value in used {
                let (hi, lo) = bigEndianBytes(value)
                frame.append(hi)
                frame.append(lo)
            }
        case .writeEcho(let register, let value):
            let (a, b) = bigEndianBytes(register)
            let (c, d) = bigEndianBytes(value)
            frame.append(contentsOf: [function, a, b, c, d])
        case .resetDone:
            frame.append(function)
        case .exception(let requestFunction, let code):
            frame.append(requestFunction | ModbusFunction.exceptionFlag)
            frame.append(code.code)
        }
        ModbusCRC.append(to: &frame)
        return frame
    }

    /// The reply to `request` from the slave at `slave` (the request's own address, or the
    /// meter's real address when it was asked at 0xF8).
    public func encode(answering request: ModbusRequest, from slave: UInt8) -> [UInt8] {
        encode(slave: slave, function: request.function)
    }
}
