import ModbusRTU

/// Feeds arbitrary bytes, cut into arbitrary chunks, to both Modbus decoders; they must never trap.
/// The first input byte picks the request the response decoder expects; each chunk's length comes
/// from the input itself, so libFuzzer explores the chunking as well as the content.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let slave: UInt8 = selector & 0x80 != 0 ? 0xF8 : 1
    let requests: [ModbusRequest] = [
        .readInputRegisters(slave: slave, start: 0, count: 10),
        .readHoldingRegisters(slave: slave, start: 1, count: UInt16(selector >> 3 & 0x0F)),
        .writeSingleRegister(slave: slave, register: 2, value: 1),
        .resetEnergy(slave: slave),
        .readInputRegisters(slave: slave, start: 0, count: 200),  // more than a reply can carry
    ]
    var responses = ResponseDecoder(expecting: requests[Int(selector & 0x07) % requests.count])
    var requestDecoder = RequestDecoder()
    var index = 1
    while index < bytes.count {
        let length = min(bytes.count - index, 1 + Int(bytes[index] & 0x1F))
        let chunk = bytes[index..<(index + length)]
        switch responses.feed(chunk) {
        case .frame(let response):
            // A decoded reply re-encodes to a frame that decodes to the same reply.
            var again = ResponseDecoder(expecting: responses.request)
            let frame = response.encode(answering: responses.request, from: responses.request.slave == 0xF8 ? 1 : responses.request.slave)
            if again.feed(frame) != .frame(response) { fatalError("re-encoded reply does not decode the same") }
        case .failed(let error):
            _ = error.message
        case .needMore:
            break
        }
        requestDecoder.append(chunk)
        var steps = 0
        while requestDecoder.next() != .needMore {
            steps += 1
            if steps > 1024 { fatalError("request decoder does not make progress") }
        }
        index += length
    }
    _ = responses.failure().message
    if responses.garbageSkipped + responses.trailingBytes > responses.bytesReceived { fatalError("byte counts disagree") }
    requestDecoder.discardPending()
    return 0
}
