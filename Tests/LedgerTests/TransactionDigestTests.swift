import Testing
import TestSupport
import Ledger

/// The one check a digest passes, where it enters (a node reply, a journal record).
@Suite struct TransactionDigestTests {
    let valid = "BWhX7n5HxHtTR6RDxfdhU2hVC8zBqAmFr4yMKM2avWpC"   // 44 letters, a real one

    @Test func lengthsFrom32To44AreDigests() {
        #expect(TransactionDigest(String(repeating: "1", count: 31)) == nil)
        #expect(TransactionDigest(String(repeating: "1", count: 32))?.text == String(repeating: "1", count: 32))
        #expect(TransactionDigest(valid)?.text == valid)
        #expect(TransactionDigest(valid + "z") == nil)
        #expect(TransactionDigest(String(repeating: "z", count: 45)) == nil)
        #expect(TransactionDigest("") == nil)
    }

    @Test func theLettersBase58LeavesOutAreRefused() {
        for letter in ["0", "O", "I", "l"] {
            #expect(TransactionDigest(String(valid.dropLast()) + letter) == nil, "\(letter)")
            #expect(TransactionDigest(letter + String(repeating: "2", count: 31)) == nil, "\(letter)")
        }
        // every other letter and digit is Base58, and no other ASCII code
        let alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        #expect(TransactionDigest(String(alphabet.prefix(44))) != nil && TransactionDigest(String(alphabet.suffix(44))) != nil)
        for code in 0..<128 {
            let letter = Character(Unicode.Scalar(UInt8(code)))
            #expect((TransactionDigest(String(repeating: "2", count: 31) + String(letter)) != nil) == alphabet.contains(letter), "\(code)")
        }
    }

    @Test func nonASCIIAndSeparatorsAreRefused() {
        #expect(TransactionDigest(String(repeating: "1", count: 31) + "é") == nil)   // 33 bytes
        #expect(TransactionDigest(String(repeating: "1", count: 30) + "€") == nil)   // 33 bytes, 31 characters
        #expect(TransactionDigest(String(repeating: "1", count: 32) + "\u{0}") == nil)
        #expect(TransactionDigest(String(repeating: "1", count: 16) + " " + String(repeating: "1", count: 16)) == nil)
        #expect(TransactionDigest(String(repeating: "1", count: 32) + "\n") == nil)
        #expect(TransactionDigest(String(repeating: "1", count: 32) + "+") == nil)
    }

    /// The manual-credit sentinel is not a digest any node could send, and the ledger never credits
    /// a payment under it.
    @Test func theManualCreditSentinelIsNoTransaction() throws {
        #expect(TransactionDigest("manual") == nil && TransactionDigest.manualCredit.text == "manual")
        // a journal's recent payments may name it, and nothing else that is not a digest
        #expect(TransactionDigest("manual", orManualCredit: true) == .manualCredit)
        #expect(TransactionDigest("manuaI", orManualCredit: true) == nil && TransactionDigest("", orManualCredit: true) == nil)
        #expect(TransactionDigest.manualCredit.isManualCredit && !TransactionDigest(valid)!.isManualCredit)
        var state = AccountState(tariff: Tariff(pricePerKWh: .zero))
        let refused = #expect(throws: LedgerError.self) {
            try state.apply(.paymentCredited(Payment(digest: .manualCredit, amount: Nanos(1), checkpoint: 1, timestampMs: 0)))
        }
        #expect(refused?.message.contains("payment without a digest") == true)
        #expect(state == AccountState(tariff: Tariff(pricePerKWh: .zero)))
        try state.apply(.manualCredit(amount: Nanos(5), note: "cash", atMs: 0))
        #expect(state.recentPayments.map(\.digest) == [.manualCredit] && state.creditedDigests.isEmpty)
    }

    @Test func testDigestsAreDistinctAndValid() {
        let labels = ["", "a", "b", "ab", "0xd1", "tx-12", String(repeating: "q", count: 22)]
        #expect(Set(labels.map(txDigest)).count == labels.count)
    }
}
