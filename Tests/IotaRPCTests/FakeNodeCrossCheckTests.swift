import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Ledger
import Testing
@testable import IotaRPC

/// The node stand-in (Tests/support/fake_node.py) and the decoders must agree: requests built by
/// `RPCRequest` go to the real stand-in process over HTTP (through the `curl` CLI), and its replies
/// are decoded as the daemon will decode them.
final class FakeNode {
    let pid: pid_t
    let url: String
    let scratch: String
    var nextID: Int64 = 0

    init() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        scratch = NSTemporaryDirectory() + "/fake-node-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let readyFile = scratch + "/stdout"
        pid = try spawn(["python3", root.appendingPathComponent("Tests/support/fake_node.py").path, "--port", "0"],
                        stdout: readyFile)
        // The stand-in prints `ready PORT URL` once it listens; wait for that line with a deadline.
        let deadline = Date().addingTimeInterval(20)
        var words: [Substring] = []
        while Date() < deadline {
            let text = (try? String(contentsOfFile: readyFile, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n") { words = text.dropLast().split(separator: " "); break }
            usleep(20_000)
        }
        guard words.count == 3, words[0] == "ready" else {
            kill(pid, SIGKILL)
            throw IotaRPCError.malformedReply(path: "ready", reason: "the node stand-in did not start")
        }
        url = String(words[2])
    }

    deinit {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// POSTs `body` with the curl CLI (files, not pipes: nothing to deadlock on) and returns the body.
    func post(_ path: String, _ body: [UInt8]) throws -> [UInt8] {
        let request = scratch + "/request", reply = scratch + "/reply"
        try Data(body).write(to: URL(fileURLWithPath: request))
        unlink(reply)
        let curl = try spawn(["curl", "-sS", "--max-time", "10", "-H", "Content-Type: application/json",
                              "--data-binary", "@" + request, "-o", reply, url.dropLast() + path], stdout: nil)
        var status: Int32 = 0
        waitpid(curl, &status, 0)
        return [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: reply))) ?? Data())
    }

    @discardableResult
    func control(_ json: String) throws -> [UInt8] { try post("/_control", Array(json.utf8)) }

    func query(_ account: IotaAddress, cursor: TransactionDigest?) throws -> TransactionPage {
        nextID += 1
        let reply = try post("/", RPCRequest.queryTransactionBlocks(id: nextID, address: account, cursor: cursor))
        return try TransactionPage.decode(reply, id: nextID, account: account)
    }
}

/// posix_spawnp with default signal handling and an empty mask: the test runner's threads block
/// signals, and a child inheriting that mask could not even be terminated.
func spawn(_ arguments: [String], stdout: String?) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
    guard result == 0 else { throw IotaRPCError.malformedReply(path: arguments[0], reason: "spawn failed: \(result)") }
    return pid
}

@Suite(.serialized) struct FakeNodeCrossCheckTests {
    @Test func everyKindOfEntryIsClassifiedAsTheSpecSays() throws {
        let node = try FakeNode()
        let other = "0x" + String(repeating: "e1", count: 32)
        try node.control(#"{"cmd":"pay","to":"\#(account.text)","amount":2000000000}"#)
        try node.control(#"{"cmd":"pay","to":"\#(account.text)","amount":9,"status":"failure"}"#)
        try node.control(#"{"cmd":"pay","to":"\#(other)","from":"\#(account.text)","amount":1000}"#)
        try node.control(#"{"cmd":"pay","to":"\#(account.text)","amount":3,"checkpointed":false}"#)
        try node.control(#"{"cmd":"pay","to":"\#(account.text)","amount":4,"coin":"0x\#(String(repeating: "a", count: 64))::usdt::USDT"}"#)
        try node.control(#"{"cmd":"pay","to":"\#(account.text)","amount":5,"partial":true}"#)
        try node.control(#"{"cmd":"pay","to":"\#(account.text)","amount":6}"#)

        let page = try node.query(account, cursor: nil)
        let kinds = page.entries.map { entry -> String in
            switch entry.verdict {
            case .payment(let payment): return "pay \(payment.amount.value)"
            case .notFinal: return "notFinal"
            case .unusable: return "unusable"
            case .ignored: return "ignored"
            case .moreChanges: return "moreChanges"
            }
        }
        #expect(kinds == ["pay 2000000000", "ignored", "ignored", "notFinal", "ignored", "unusable", "pay 6"])

        try node.control(#"{"cmd":"indexer","on":true}"#)
        let indexed = try node.query(account, cursor: page.entries[6].digest)
        #expect(indexed.entries.isEmpty && indexed.nextCursor == nil)
        let longForm = try node.query(account, cursor: nil)
        #expect(longForm.entries.first == page.entries.first)   // long coin type, same payment
    }

    @Test func hundredTwentyPaymentsArriveExactlyOnceAcrossPages() throws {
        let node = try FakeNode()
        try node.control(#"{"cmd":"pay","to":"\#(account.text)","amount":1000000000,"count":120}"#)
        var cursor: TransactionDigest? = nil
        var credited = Set<String>()
        var total: Int64 = 0
        var requests = 0
        while requests < 10 {
            let page = try node.query(account, cursor: cursor)
            requests += 1
            for case .payment(let payment) in page.entries.map(\.verdict) where credited.insert(payment.digest.text).inserted {
                total += payment.amount.value
            }
            cursor = page.entries.last?.digest ?? cursor
            if !page.hasNextPage { break }
        }
        #expect(requests == 3)
        #expect(credited.count == 120 && total == 120_000_000_000)
        // Polling again from the kept cursor finds nothing new.
        #expect(try node.query(account, cursor: cursor).entries.isEmpty)
        // A pruned cursor is an error: one reason the daemon never persists a cursor.
        try node.control(#"{"cmd":"prune","count":120}"#)
        #expect(throws: IotaRPCError.nodeError(code: -32602, message:
            "Could not find the referenced transaction [TransactionDigest(\(cursor!.text))].")) {
            try node.query(account, cursor: cursor)
        }
    }

    @Test func healthRepliesAndFaults() throws {
        let node = try FakeNode()
        #expect(try NodeReply.chainIdentifier(node.post("/", RPCRequest.chainIdentifier(id: 1)), id: 1, chain: .mainnet) == "6364aad5")
        #expect(try NodeReply.latestCheckpoint(node.post("/", RPCRequest.latestCheckpoint(id: 2)), id: 2) == 1000)
        try node.control(#"{"cmd":"fault","mode":"wrong_chain","count":1}"#)
        #expect(throws: IotaRPCError.wrongChain(expected: "6364aad5", got: "deadbeef")) {
            try NodeReply.chainIdentifier(node.post("/", RPCRequest.chainIdentifier(id: 4)), id: 4, chain: .mainnet)
        }
        try node.control(#"{"cmd":"fault","mode":"throttle","count":1}"#)
        #expect(throws: IotaRPCError.throttled(message: "Too many requests")) {
            try NodeReply.latestCheckpoint(node.post("/", RPCRequest.latestCheckpoint(id: 5)), id: 5)
        }
        for mode in ["truncated", "garbage"] {
            try node.control(#"{"cmd":"fault","mode":"\#(mode)","count":1}"#)
            #expect(throws: IotaRPCError.self) { try node.query(account, cursor: nil) }
        }
    }
}
