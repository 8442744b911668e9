// Feeds arbitrary bytes to every Ledger text parser and drives an Account with events and meter
// readings decoded from the same bytes: nothing may trap, and balance == credited − charged holds.
#if canImport(Ledger)
import Ledger
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = Substring(String(decoding: bytes, as: UTF8.self))
    _ = try? Nanos.parse(text)
    _ = try? Tariff.parse(text)
    _ = try? WattHours.parse(text)
    _ = try? Deciwatts.parse(text)
    _ = try? FriendlyHours.parse(text)

    var reader = ByteReader(bytes: bytes)
    var policy = AccountPolicy(tariff: Tariff(pricePerKWh: Nanos(reader.int64() & 0xFFFF_FFFF_FFFF)))
    policy.emergencyCredit = Nanos(reader.int64() & 0xFFFF_FFFF)
    policy.maxPower = Deciwatts(reader.int64())
    policy.maxPowerGraceMs = reader.int64()
    guard var account = try? Account(state: AccountState(tariff: policy.tariff), policy: policy, startedAtMs: WallClockMs(reader.int64())) else { return 0 }
    while !reader.isEmpty {
        var events: [AccountEvent] = []
        switch reader.byte() % 8 {
        case 0, 1, 2:
            if case .journal(let event) = account.observe(counter: WattHours(reader.int64()), power: Deciwatts(reader.int64()), atMs: WallClockMs(reader.int64()),
                                                              boot: reader.byte() & 1 == 1 ? nil : BootStamp(id: BootID(high: 0, low: UInt64(reader.byte() % 2)), ms: reader.int64(), wallSynchronised: reader.byte() & 1 == 1)) {
                events = [event]
            }
        case 3: events = account.withCheckpoint(.paymentCredited(Payment(digest: TransactionDigest(String(repeating: "1", count: 31) + "\(reader.byte() % 8 + 1)")!, amount: Nanos(reader.int64()), checkpoint: 1, timestampMs: WallClockMs(0))))
        case 4: events = account.withCheckpoint(.tariffChanged(pricePerKWh: Nanos(reader.int64()), atMs: WallClockMs(reader.int64())))
        case 5: events = account.checkpointEvent().map { [$0] } ?? []
        case 6: events = account.emergencyEvent(atMs: WallClockMs(reader.int64())).map { [$0] } ?? []
        default: events = [.counterRebaselined(from: WattHours(reader.int64()), to: WattHours(reader.int64()), atMs: WallClockMs(reader.int64()))]
        }
        if let next = try? account.applying(events) { account = next }
        _ = account.decide(RelayInputs(nowMs: WallClockMs(reader.int64()), minuteOfDay: Int(reader.int64() % 2000), journalDamaged: false, relayIsOn: reader.byte() & 1 == 1))
        if account.balance.value != account.credited.value - account.charged.value { fatalError("balance invariant broken") }
    }
    return 0
}

/// Reads fixed-size values from the input, zeros past its end.
struct ByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0
    var isEmpty: Bool { offset >= bytes.count }
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func int64() -> Int64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
        return Int64(bitPattern: value)
    }
}
