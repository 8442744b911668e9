/// What a `ResponseDecoder` says after each chunk of bytes.
public enum DecodeStep: Equatable, Sendable {
    /// No complete reply yet: keep reading until the response timeout.
    case needMore
    /// A reply to the request, checked (address, function, length, CRC).
    case frame(ModbusResponse)
    /// A complete, CRC-valid frame that does not answer the request (wrong slave, function,
    /// byte count or echo). Drain the line before the next request.
    case failed(ModbusError)
}
