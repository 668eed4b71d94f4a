import Foundation
import PostgresTestSupport
import Synchronization
import Testing
@testable import ParleyCore

/// A message's `delivery` summary is recomputed by the receipts' triggers. On PostgreSQL two transactions may change
/// receipts of one message at once (two channel deliveries finishing, a status callback); the summary must count both.
@Suite(.enabled(if: TestEngine.current == .postgres, "concurrent writers exist only on PostgreSQL; one SQLite writer orders them"))
struct DeliverySummaryTests {
    struct NoWaiter: Error {}

    @Test func receiptsOfOneMessageSentAtOnceAreBothCounted() async throws {
        let (parley, message) = try await messageToSMSParticipants(2)
        let receipts = try await parley.store.read { tx in try tx.receipts(messageSid: message.sid, page: PageRequest(size: 10)).items.map(\.sid) }
        try #require(receipts.count == 2)

        // The first transaction marks its receipt sent and commits only once the second is waiting on one of its locks,
        // so the second's statements start before the first's change is committed.
        let store = parley.store
        let firstHasWritten = Atomic(false)
        let first = Task {
            try await store.write { tx in
                try tx.setReceiptStatus(sid: receipts[0], .sent, errorCode: 0, now: .now)
                firstHasWritten.store(true, ordering: .sequentiallyConsistent)
                try Self.waitUntilAnotherTransactionWaitsOnThisOne(tx)
            }
        }
        while !firstHasWritten.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(10)) }
        try await store.write { tx in try tx.setReceiptStatus(sid: receipts[1], .sent, errorCode: 0, now: .now) }
        try await first.value

        let summary = try #require(try await store.strings("SELECT delivery FROM messages WHERE sid = ?", message.sid).first)
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        #expect(counts["sent"] as? String == "all", "\(summary)")
    }

    /// Blocks (at most 20 s) until some other backend waits for a lock this transaction holds.
    static func waitUntilAnotherTransactionWaitsOnThisOne(_ tx: StoreTransaction) throws {
        let waiters = try tx.statement("SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try tx.value(Int.self, waiters) ?? 0 > 0 { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw NoWaiter()
    }
}

/// The summary's stored text is the same on both engines, SQLite's `json_object` output byte for byte, so `sqlite3`
/// and `psql` show one value and a copied database compares equal.
@Suite struct DeliverySummaryTextTests {
    @Test func theStoredSummaryIsCompactJSONInSQLitesKeyOrder() async throws {
        let (parley, message) = try await messageToSMSParticipants(1)
        let stored = { try await parley.store.strings("SELECT delivery FROM messages WHERE sid = ?", message.sid) }
        #expect(try await stored() == [#"{"total":1,"sent":"none","delivered":"none","read":"none","failed":"none","undelivered":"none"}"#])
        let receipt = try #require(try await parley.store.read { tx in try tx.receipts(messageSid: message.sid, page: PageRequest(size: 1)).items.first?.sid })
        try await parley.store.write { tx in try tx.setReceiptStatus(sid: receipt, .delivered, errorCode: 0, now: .now) }
        #expect(try await stored() == [#"{"total":1,"sent":"all","delivered":"all","read":"none","failed":"none","undelivered":"none"}"#])
    }
}

/// A message in a new conversation with `count` SMS participants: a receipt for each.
private func messageToSMSParticipants(_ count: Int) async throws -> (Parley, Message) {
    let (parley, principal) = try await makeParley()
    let conversation = try await parley.conversations.create(principal, .defaultService, .init())
    for number in 1...count {
        var sms = ParticipantService.Changes()
        sms.address = "+1555000000\(number)"
        sms.proxyAddress = "+1555999000\(number)"
        _ = try await parley.participants.create(principal, .defaultService, conversation: conversation.sid, sms)
    }
    var changes = MessageService.Changes()
    changes.body = "to \(count)"
    return (parley, try await parley.messages.create(principal, .defaultService, conversation: conversation.sid, changes))
}
