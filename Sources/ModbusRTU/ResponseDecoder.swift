/// Incremental decoder of the reply to one request (the master side). Bytes may arrive in any
/// chunks. Like pymodbus, it hunts: at each offset it looks for a frame from the right slave
/// with the right function, of the length the protocol gives for it, with a good CRC; anything
/// before such a frame is garbage, counted in `garbageSkipped`. A CRC-valid frame at the very
/// start that answers something else fails at once (libmodbus' EMBBADSLAVE and friends).
/// When the line falls silent without a frame, `failure()` names the most precise cause.
public struct ResponseDecoder {
    /// The request whose reply is awaited.
    public let request: ModbusRequest
    /// Bytes skipped before the decoded frame (or so far).
    public private(set) var garbageSkipped = 0
    /// Every byte fed, including garbage and bytes after the frame.
    public private(set) var bytesReceived = 0
    /// Bytes fed after the frame was complete (a second reply, line noise).
    public private(set) var trailingBytes = 0

    /// Undecided bytes: the buffer starts at the first offset that might still begin a frame.
    private var buffer: [UInt8] = []
    /// The first bytes received, kept for `failure()`'s diagnosis.
    private var head: [UInt8] = []
    private var outcome: DecodeStep?

    /// How much of the start of a reply is kept for diagnosis: a few frames' worth.
    private static let headLimit = 2 * ModbusFunction.maxFrameLength

    public init(expecting request: ModbusRequest) {
        self.request = request
    }

    /// Adds bytes and reports what the stream holds so far. After `.frame` or `.failed` the
    /// decoder is done and keeps returning that outcome, counting further bytes as trailing.
    public mutating func feed<C: Collection>(_ bytes: C) -> DecodeStep where C.Element == UInt8 {
        bytesReceived += bytes.count
        if let outcome {
            trailingBytes += bytes.count
            return outcome
        }
        let room = Self.headLimit - head.count
        if room > 0 { head.append(contentsOf: bytes.prefix(room)) }
        buffer.append(contentsOf: bytes)
        return scan()
    }

    /// The error to report when the line has gone silent (response or gap timeout) without a
    /// frame: `.timeout` if nothing came, otherwise what is wrong with the first frame-like bytes.
    public func failure() -> ModbusError {
        if case .failed(let error)? = outcome { return error }
        if bytesReceived == 0 { return .timeout }
        var start = 0
        while start + 1 < head.count && !answersRequest(head, start) { start += 1 }
        if start + 1 >= head.count { start = 0 }
        guard head.count - start >= 2 else { return .truncated(expected: 4, got: head.count - start) }
        guard let length = Self.frameLength(head, start) else {
            if start + 2 >= head.count && Self.isRead(head[start + 1]) {
                return .truncated(expected: 5, got: head.count - start)
            }
            return .garbage(count: bytesReceived)
        }
        if head.count - start < length {
            if let mismatch = byteCountMismatch(head, start) { return mismatch }
            return .truncated(expected: length, got: head.count - start)
        }
        let crc = ModbusCRC.carriedAndComputed(head, start, start + length)
        if crc.carried != crc.computed { return .badCRC(expected: crc.computed, got: crc.carried) }
        return mismatch(head, start) ?? .garbage(count: bytesReceived)
    }

    // MARK: - Hunting

    private enum Candidate { case frame(ModbusResponse, length: Int), pending, rejected, failed(ModbusError) }

    private mutating func scan() -> DecodeStep {
        var firstPending: Int?
        var index = 0
        while index < buffer.count {
            switch evaluate(at: index, atStreamStart: index == 0 && garbageSkipped == 0) {
            case .frame(let response, let length):
                garbageSkipped += index
                trailingBytes = buffer.count - index - length
                return finish(.frame(response))
            case .failed(let error):
                return finish(.failed(error))
            case .pending:
                if firstPending == nil { firstPending = index }
            case .rejected:
                break
            }
            index += 1
        }
        // Offsets before the first pending one can never start a frame: forget them.
        let dropped = firstPending ?? buffer.count
        if dropped > 0 {
            buffer.removeFirst(dropped)
            garbageSkipped += dropped
        }
        return .needMore
    }

    private mutating func finish(_ step: DecodeStep) -> DecodeStep {
        outcome = step
        buffer = []
        return step
    }

    /// Whether a reply to the request could start at `index`, and if so what it is.
    private func evaluate(at index: Int, atStreamStart: Bool) -> Candidate {
        let available = buffer.count - index
        guard available >= 2 else { return .pending }
        if answersRequest(buffer, index), let length = expectedLength(buffer, index) {
            if available < length { return .pending }
            let crc = ModbusCRC.carriedAndComputed(buffer, index, index + length)
            if crc.carried == crc.computed {
                if let response = decodeChecked(index, length) { return .frame(response, length: length) }
                if atStreamStart, let error = mismatch(buffer, index) { return .failed(error) }
                return .rejected
            }
            if !atStreamStart { return .rejected }
        } else if answersRequest(buffer, index) && !atStreamStart {
            // A read reply whose byte count cannot match (or not yet known).
            return available < 3 ? .pending : .rejected
        }
        guard atStreamStart else { return .rejected }
        // The very first bytes: a CRC-valid frame of another shape is a precise error.
        guard let length = Self.frameLength(buffer, index) else {
            return available < 3 && Self.isRead(buffer[index + 1]) ? .pending : .rejected
        }
        if available < length { return .pending }
        let crc = ModbusCRC.carriedAndComputed(buffer, index, index + length)
        guard crc.carried == crc.computed, let error = mismatch(buffer, index) else { return .rejected }
        return .failed(error)
    }

    /// Address and function fit the request (0xF8 may be answered from the meter's real address).
    private func answersRequest(_ bytes: [UInt8], _ index: Int) -> Bool {
        guard index + 1 < bytes.count else { return false }
        let function = bytes[index + 1]
        return acceptsAddress(bytes[index])
            && (function == request.function || function == request.function | ModbusFunction.exceptionFlag)
    }

    private func acceptsAddress(_ address: UInt8) -> Bool {
        address == request.slave || (request.slave == 0xF8 && address >= 1 && address <= 247)
    }

    /// Length of a reply to this request starting at `index`, or nil if it cannot be one yet.
    private func expectedLength(_ bytes: [UInt8], _ index: Int) -> Int? {
        if bytes[index + 1] & ModbusFunction.exceptionFlag != 0 { return ModbusFunction.exceptionReplyLength }
        switch request {
        case .readHoldingRegisters(_, _, let count), .readInputRegisters(_, _, let count):
            guard index + 2 < bytes.count, Int(bytes[index + 2]) == 2 * Int(count) else { return nil }
        case .writeSingleRegister, .resetEnergy: break
        }
        return request.replyLength
    }

    /// The response held by a CRC-checked frame that answers the request, or nil if its content
    /// does not (a write echo of another register or value).
    private func decodeChecked(_ index: Int, _ length: Int) -> ModbusResponse? {
        let function = buffer[index + 1]
        if function & ModbusFunction.exceptionFlag != 0 {
            return .exception(function: request.function, code: ModbusExceptionCode(code: buffer[index + 2]))
        }
        switch request {
        case .readHoldingRegisters, .readInputRegisters:
            var values: [UInt16] = []
            values.reserveCapacity((length - 5) / 2)
            var at = index + 3
            while at + 1 < index + length - 2 {
                values.append(bigEndianWord(buffer, at))
                at += 2
            }
            return .registers(values)
        case .writeSingleRegister(_, let register, let value):
            let gotRegister = bigEndianWord(buffer, index + 2)
            let gotValue = bigEndianWord(buffer, index + 4)
            guard gotRegister == register && gotValue == value else { return nil }
            return .writeEcho(register: gotRegister, value: gotValue)
        case .resetEnergy:
            return .resetDone
        }
    }

    // MARK: - Diagnosis of frames that do not answer the request

    private static func isRead(_ function: UInt8) -> Bool {
        function == ModbusFunction.readHoldingRegisters || function == ModbusFunction.readInputRegisters
    }

    /// Length of any reply frame tanglemeter knows, from its own header, or nil if unknown.
    static func frameLength(_ bytes: [UInt8], _ index: Int) -> Int? {
        guard index + 1 < bytes.count else { return nil }
        let function = bytes[index + 1]
        if function & ModbusFunction.exceptionFlag != 0 {
            let known = ModbusFunction.replyLength(function & ~ModbusFunction.exceptionFlag, dataBytes: 0) != nil
            return known ? ModbusFunction.exceptionReplyLength : nil
        }
        switch function {
        case ModbusFunction.readHoldingRegisters, ModbusFunction.readInputRegisters:
            guard index + 2 < bytes.count else { return nil }
            return ModbusFunction.readReplyLength(dataBytes: Int(bytes[index + 2]))
        default:
            return ModbusFunction.replyLength(function, dataBytes: 0)
        }
    }

    /// Why a frame at `index` does not answer the request, checked in the order a reader needs.
    private func mismatch(_ bytes: [UInt8], _ index: Int) -> ModbusError? {
        guard index + 1 < bytes.count else { return nil }
        if !acceptsAddress(bytes[index]) { return .wrongSlave(expected: request.slave, got: bytes[index]) }
        let function = bytes[index + 1] & ~ModbusFunction.exceptionFlag
        if function != request.function { return .wrongFunction(expected: request.function, got: function) }
        if let error = byteCountMismatch(bytes, index) { return error }
        if case .writeSingleRegister = request, index + 5 < bytes.count {
            return .echoMismatch(register: bigEndianWord(bytes, index + 2), value: bigEndianWord(bytes, index + 4))
        }
        return nil
    }

    private func byteCountMismatch(_ bytes: [UInt8], _ index: Int) -> ModbusError? {
        guard index + 2 < bytes.count, bytes[index + 1] & ModbusFunction.exceptionFlag == 0 else { return nil }
        switch request {
        case .readHoldingRegisters(_, _, let count), .readInputRegisters(_, _, let count):
            let got = Int(bytes[index + 2])
            return got == 2 * Int(count) ? nil : .byteCountMismatch(expected: 2 * Int(count), got: got)
        default:
            return nil
        }
    }
}
