import Foundation
import GRDB

/// The worker side of the push outbox (`push_deliveries`): due rows, outcomes, bindings the provider disowned, the
/// failure list, and the badge count. Rows are written by the change that causes them (`StoreTransaction+PushDeliveries`).
extension StoreTransaction {
    /// Pending pushes due at `now`, oldest first. On PostgreSQL, where other nodes' workers look too, they are claimed:
    /// leased until `leaseUntil` (due again then if this node dies mid-send), rows another node is claiming skipped.
    public func duePushDeliveries(at now: WebhookTime, limit: Int, leaseUntil: WebhookTime) throws -> [PushDelivery] {
        switch dialect {
        case .sqlite:
            return try fetchAll(
                statement("SELECT * FROM push_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?"),
                arguments: [now.iso8601, limit], PushDelivery.init(row:))
        case .postgres:
            return try fetchAll(
                statement(
                    """
                    UPDATE push_deliveries SET next_attempt_at = ?
                    WHERE seq IN (SELECT seq FROM push_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
                                  ORDER BY next_attempt_at, seq LIMIT ? FOR UPDATE SKIP LOCKED)
                    RETURNING *
                    """),
                arguments: [leaseUntil.iso8601, now.iso8601, limit], PushDelivery.init(row:)
            ).sorted { $0.seq < $1.seq }
        }
    }

    /// When the earliest pending push is due, if any is pending.
    public func nextPushAttempt() throws -> WebhookTime? {
        try value(String.self, statement("SELECT min(next_attempt_at) FROM push_deliveries WHERE status = 'pending'"))
            .flatMap(WebhookTime.init(iso8601:))
    }

    /// Makes a pending push due at `time` without counting an attempt (see `releaseWebhookDelivery`).
    public func releasePushDelivery(seq: Int64, dueAt time: WebhookTime) throws {
        try execute("UPDATE push_deliveries SET next_attempt_at = ? WHERE seq = ? AND status = 'pending'", [time.iso8601, seq])
    }

    /// Records the outcome of an attempt.
    public func recordPushAttempt(
        seq: Int64, status: PushDelivery.Status, attempts: Int, nextAttemptAt: WebhookTime, statusCode: Int?, error: String?, now: Timestamp
    ) throws {
        try execute(
            """
            UPDATE push_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?, date_updated = ?
            WHERE seq = ?
            """, [status.rawValue, attempts, nextAttemptAt.iso8601, statusCode, error, now, seq])
    }

    /// The provider disowned the binding's address: the binding is deleted, with the pushes still pending for it (they
    /// would go to the same dead address). The push that learned it is recorded apart (`recordPushAttempt`).
    public func deletePushBinding(sid: String, except seq: Int64) throws {
        try execute("DELETE FROM push_bindings WHERE sid = ?", [sid])
        try execute("DELETE FROM push_deliveries WHERE binding_sid = ? AND status = 'pending' AND seq <> ?", [sid, seq])
    }

    /// The account's pushes with `status`, oldest first.
    public func pushDeliveries(accountSid: String, status: PushDelivery.Status, page: PageRequest) throws -> Page<PushDelivery> {
        try self.page(
            table: "push_deliveries", filter: "account_sid = ? AND status = ?", arguments: [accountSid, status.rawValue], key: "seq",
            order: .ascending, request: page, decode: PushDelivery.init(row:))
    }

    /// The badge: messages after the identity's read horizon, summed over its conversations in the Service (a
    /// conversation where it never set a horizon counts nothing, as its `unread_messages_count` is null). A CASE, not
    /// SQLite's two-argument `max` (PostgreSQL's `max` is the aggregate only), and a BIGINT sum (PostgreSQL's is NUMERIC).
    public func unreadMessageCount(serviceSid: String, identity: String) throws -> Int {
        try value(Int.self, 
            statement(
                """
                SELECT CAST(coalesce(sum(CASE WHEN c.next_message_index - 1 > p.last_read_message_index
                                              THEN c.next_message_index - 1 - p.last_read_message_index ELSE 0 END), 0) AS BIGINT)
                FROM participants AS p JOIN conversations AS c ON c.sid = p.conversation_sid
                WHERE p.service_sid = ? AND p.identity = ? AND p.last_read_message_index IS NOT NULL
                """), arguments: [serviceSid, identity]) ?? 0
    }
}

extension PushDelivery {
    init(row: Row) {
        self.init(
            seq: row["seq"], accountSid: row["account_sid"], serviceSid: row["service_sid"], conversationSid: row["conversation_sid"],
            eventType: row["event_type"], bindingSid: row["binding_sid"], credentialSid: row["credential_sid"], bindingType: row["binding_type"],
            identity: row["identity"], address: row["address"], payload: row["payload"], status: Status(rawValue: row["status"]) ?? .pending,
            attempts: row["attempts"], nextAttemptAt: WebhookTime(iso8601: row["next_attempt_at"]) ?? WebhookTime(millisecondsSince1970: 0),
            lastStatusCode: row["last_status_code"], lastError: row["last_error"], dateCreated: row["date_created"],
            dateUpdated: row["date_updated"])
    }
}
