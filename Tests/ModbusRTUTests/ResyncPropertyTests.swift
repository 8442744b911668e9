import Testing
import TestSupport
@testable import ModbusRTU

@Suite struct ResyncPropertyTests {
    /// A good frame after any garbage prefix, delivered in random chunks, is still decoded, and
    /// the skipped count is exactly the garbage length (unless the garbage ends in a byte or two
    /// that the frame could have begun with, which then count as part of it — not possible here
    /// because the frame is found at its true offset).
    @Test func goodFrameAfterAnyGarbageIsFound() {
        var rng = SeededGenerator(seed: 0x7A16_1E7E)
        let requests: [ModbusRequest] = [
            .readInputRegisters(slave: 1, start: 0, count: 10), .readHoldingRegisters(slave: 2, start: 1, count: 2),
            .writeSingleRegister(slave: 1, register: 1, value: 2300), .resetEnergy(slave: 1),
            .readInputRegisters(slave: 0xF8, start: 0, count: 10),
        ]
        for trial in 0..<3000 {
            let request = requests[trial % requests.count]
            let reply: [UInt8]
            switch request {
            case .readInputRegisters(_, _, let count), .readHoldingRegisters(_, _, let count):
                reply = ModbusResponse.registers((0..<count).map { _ in UInt16.random(in: 0...0xFFFF, using: &rng) })
                    .encode(slave: request.slave == 0xF8 ? 1 : request.slave, function: request.function)
            case .writeSingleRegister(_, let register, let value):
                reply = ModbusResponse.writeEcho(register: register, value: value).encode(slave: request.slave, function: 6)
            case .resetEnergy:
                reply = ModbusResponse.resetDone.encode(slave: 1, function: 0x42)
            }
            let expected = ResponseDecoder(expecting: request).decodeOnce(reply)
            let garbageLength = Int.random(in: 1...300, using: &rng)
            var garbage = (0..<garbageLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if trial % 7 == 0 { garbage += reply.prefix(Int.random(in: 1..<reply.count, using: &rng)) }
            let stream = garbage + reply
            var decoder = ResponseDecoder(expecting: request)
            var at = 0
            var step = DecodeStep.needMore
            while at < stream.count, step == .needMore {
                let chunk = min(stream.count - at, Int.random(in: 1...40, using: &rng))
                step = decoder.feed(stream[at..<(at + chunk)])
                at += chunk
            }
            // A garbage prefix may, once in 2^16 tries, hold a CRC-valid reply itself; this seed has none.
            #expect(step == expected, "trial \(trial)")
            #expect(decoder.garbageSkipped == garbage.count, "trial \(trial)")
        }
    }

    @Test func randomBytesNeverTrapAndAlwaysGiveAnAnswer() {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var decoder = ResponseDecoder(expecting: .readInputRegisters(slave: 1, start: 0, count: 10))
            _ = decoder.feed(bytes)
            _ = decoder.failure().message
            var requests = RequestDecoder()
            requests.append(bytes)
            var guardCount = 0
            while requests.next() != .needMore && guardCount < 1000 { guardCount += 1 }
            #expect(guardCount < 1000)
        }
    }
}

extension ResponseDecoder {
    /// Feeds a whole frame and returns the step (test helper).
    func decodeOnce(_ bytes: [UInt8]) -> DecodeStep {
        var copy = self
        return copy.feed(bytes)
    }
}
