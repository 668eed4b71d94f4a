import PostgresTestSupport
import GRDB
import Testing
@testable import ParleyCore

/// The pieces of webhook delivery that need no network: time and form round trips, and the worker's due query plan.
@Suite struct WebhookCoreTests {
    @Test func webhookTimesKeepMillisecondsAndSortAsText() throws {
        let time = WebhookTime(millisecondsSince1970: 1_450_304_317_042)
        #expect(time.iso8601 == "2015-12-16T22:18:37.042Z")
        #expect(WebhookTime(iso8601: time.iso8601) == time)
        #expect(time.adding(seconds: 0.5).iso8601 == "2015-12-16T22:18:37.542Z")
        #expect(time.iso8601 < time.adding(seconds: 1).iso8601)
        #expect(WebhookTime(iso8601: "2015-12-16T22:18:37Z") == nil)
    }

    @Test func formEncodingRoundTripsAnyText() {
        let pairs: [(name: String, value: String)] = [("Body", "a b&c=d+é/✓"), ("MessagingBinding.Address", "+15551234567"), ("Empty", "")]
        let encoded = WebhookForm.encode(pairs)
        #expect(!encoded.contains(" ") && !encoded.contains("+"))
        let decoded = WebhookForm.decode(encoded)
        #expect(decoded.map(\.name) == pairs.map(\.name))
        #expect(decoded.map(\.value) == pairs.map(\.value))
    }

    @Test func theDueQueryUsesThePendingIndexes() async throws {
        let store = try await TestEngine.migratedStore(sqlitePath: nil, engine: .sqlite)  // SQLite's plan
        let plan = try await store.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    EXPLAIN QUERY PLAN SELECT * FROM webhook_deliveries AS d
                    WHERE d.status = 'pending' AND d.next_attempt_at <= '2026-01-01T00:00:00.000Z'
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS e
                                      WHERE e.status = 'pending' AND e.conversation_sid = d.conversation_sid AND e.url = d.url AND e.seq < d.seq)
                    ORDER BY d.seq LIMIT 16
                    """
            ).map { $0["detail"] as String }.joined(separator: " | ")
        }
        #expect(plan.contains("webhook_deliveries_pending_order"), "\(plan)")
        #expect(plan.contains("webhook_deliveries_due") || plan.contains("USING INDEX"), "\(plan)")
    }
}
