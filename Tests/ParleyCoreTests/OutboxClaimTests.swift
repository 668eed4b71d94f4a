import PostgresTestSupport
import Testing
@testable import ParleyCore

/// Outbox claims on PostgreSQL: two nodes' workers claiming the same due rows at once never both get one row.
@Suite(.enabled(if: PostgresCluster.unavailableReason == nil, "needs PostgreSQL (apt-get install postgresql)"))
struct OutboxClaimTests {
    @Test func concurrentWebhookClaimsFromTwoNodesNeverShareARow() async throws {
        let url = try await TestEngine.freshPostgresDatabase()
        let nodes = [try TestEngine.postgresStore(url: url), try TestEngine.postgresStore(url: url)]
        let account = try await Parley(store: nodes[0]).accounts.bootstrap().account
        let rows = 400
        try await nodes[0].write { tx in
            for number in 0..<rows {
                // No conversation: no row waits behind another, every row is due at once.
                try tx.insert(
                    WebhookDelivery(
                        seq: 0, idempotencyToken: "token-\(number)", accountSid: account.sid, serviceSid: nil, conversationSid: nil, scope: .account,
                        webhookSid: nil, eventType: "onMessageAdded", url: "https://example.com/hook", method: "POST", body: "n=\(number)",
                        status: .pending, attempts: 0, nextAttemptAt: WebhookTime(millisecondsSince1970: 0), lastStatusCode: nil, lastError: nil,
                        dateCreated: .now, dateUpdated: .now))
            }
        }
        // 16 workers, 8 per node, each claiming 3 rows at a time until none is left.
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<16 {
                let store = nodes[worker % 2]
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let batch = try await store.claim { tx in
                            try tx.dueWebhookDeliveries(at: .now, limit: 3, leaseUntil: .now.adding(seconds: 300)).map(\.seq)
                        }
                        if batch.isEmpty { return mine }
                        mine += batch
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(seqs.count == rows, "each row claimed once: \(seqs.count) claims of \(rows) rows")
        #expect(Set(seqs).count == rows)
    }
}
