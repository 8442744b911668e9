import Ledger

/// A valid transaction digest that stands for `label` in a test (`txDigest("d1")`): the label's
/// bytes as hex in Base58 letters, padded with `z` (not among them) to 32 characters, so distinct
/// labels of at most 22 bytes give distinct digests.
public func txDigest(_ label: String) -> TransactionDigest {
    let hex = Array("123456789ABCDEFG")
    var text = ""
    for byte in label.utf8 {
        text.append(hex[Int(byte >> 4)])
        text.append(hex[Int(byte & 0x0F)])
    }
    if text.count < 32 { text += String(repeating: "z", count: 32 - text.count) }
    guard let digest = TransactionDigest(text) else { fatalError("test digest label too long: \(label)") }
    return digest
}
