import Foundation
import GRDB

/// Who is told about an event in one conversation (or Service): the account's and the Service's configured targets and
/// the conversation's own webhooks.
public struct WebhookTargets: Sendable {
    public var accountSid: String
    public var account: WebhookConfiguration?
    public var service: WebhookConfiguration?
    public var conversation: [ConversationWebhook]
}

extension StoreTransaction {
    // MARK: - Account and Service configuration

    /// The configuration of the account (`AC...`) or Service (`IS...`), if it was ever set.
    public func webhookConfiguration(scopeSid: String) throws -> WebhookConfiguration? {
        try fetchOne(statement("SELECT * FROM webhook_configurations WHERE scope_sid = ?"), arguments: [scopeSid], WebhookConfiguration.init(row:))
    }

    public func save(_ configuration: WebhookConfiguration, at now: Timestamp) throws {
        try execute(
            """
            INSERT INTO webhook_configurations (scope_sid, account_sid, service_sid, pre_webhook_url, post_webhook_url, method, filters, target, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (scope_sid) DO UPDATE SET pre_webhook_url = excluded.pre_webhook_url, post_webhook_url = excluded.post_webhook_url,
                method = excluded.method, filters = excluded.filters, target = excluded.target, date_updated = excluded.date_updated
            """,
            [
                configuration.scopeSid, configuration.accountSid, configuration.serviceSid, configuration.preWebhookURL, configuration.postWebhookURL,
                configuration.method, Self.jsonArray(configuration.filters), configuration.target, now,
            ])
    }

    /// Everything that may hear about an event of `serviceSid` (and of `conversationSid`, when given).
    public func webhookTargets(serviceSid: String, conversationSid: String?) throws -> WebhookTargets {
        let accountSid = try value(String.self, statement("SELECT account_sid FROM services WHERE sid = ?"), arguments: [serviceSid]) ?? ""
        return WebhookTargets(
            accountSid: accountSid, account: try webhookConfiguration(scopeSid: accountSid), service: try webhookConfiguration(scopeSid: serviceSid),
            conversation: try conversationSid.map { try conversationWebhooks(conversationSid: $0) } ?? [])
    }

    // MARK: - Conversation webhooks

    /// The conversation's webhooks, oldest first (at most a handful).
    public func conversationWebhooks(conversationSid: String) throws -> [ConversationWebhook] {
        try fetchAll(
            statement("SELECT * FROM conversation_webhooks WHERE conversation_sid = ? ORDER BY seq"), arguments: [conversationSid],
            ConversationWebhook.init(row:))
    }

    public func conversationWebhook(sid: String, conversationSid: String) throws -> ConversationWebhook? {
        try fetchOne(
            statement("SELECT * FROM conversation_webhooks WHERE sid = ? AND conversation_sid = ?"), arguments: [sid, conversationSid],
            ConversationWebhook.init(row:))
    }

    public func insert(_ webhook: ConversationWebhook) throws {
        try execute(
            """
            INSERT INTO conversation_webhooks (sid, service_sid, conversation_sid, target, url, method, filters, triggers, flow_sid, replay_after,
                                               date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                webhook.sid, webhook.serviceSid, webhook.conversationSid, webhook.target.rawValue, webhook.url, webhook.method,
                Self.jsonArray(webhook.filters), Self.jsonArray(webhook.triggers), webhook.flowSid, webhook.replayAfter, webhook.dateCreated,
                webhook.dateUpdated,
            ])
    }

    public func update(_ webhook: ConversationWebhook) throws {
        try execute(
            "UPDATE conversation_webhooks SET url = ?, method = ?, filters = ?, triggers = ?, flow_sid = ?, date_updated = ? WHERE sid = ?",
            [
                webhook.url, webhook.method, Self.jsonArray(webhook.filters), Self.jsonArray(webhook.triggers), webhook.flowSid, webhook.dateUpdated,
                webhook.sid,
            ])
    }

    public func deleteConversationWebhook(sid: String) throws {
        try execute("DELETE FROM conversation_webhooks WHERE sid = ?", [sid])
    }

    // MARK: - The outbox

    public func insert(_ delivery: WebhookDelivery) throws {
        try execute(
            """
            INSERT INTO webhook_deliveries (idempotency_token, account_sid, service_sid, conversation_sid, scope, webhook_sid, event_type, url, method,
                                            body, status, attempts, next_attempt_at, last_status_code, last_error, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                delivery.idempotencyToken, delivery.accountSid, delivery.serviceSid, delivery.conversationSid, delivery.scope.rawValue,
                delivery.webhookSid, delivery.eventType, delivery.url, delivery.method, delivery.body, delivery.status.rawValue, delivery.attempts,
                delivery.nextAttemptAt.iso8601, delivery.lastStatusCode, delivery.lastError, delivery.dateCreated, delivery.dateUpdated,
            ])
    }

    /// Pending deliveries due at `now`, oldest first, each the earliest pending one of its (conversation, URL): a row waits
    /// while an earlier row of the same conversation to the same URL is pending, so each receiver sees a conversation in order.
    ///
    /// On PostgreSQL, where other nodes' workers look too, they are claimed: leased until `leaseUntil` (due again then if
    /// this node dies mid-send), rows another node is claiming skipped. A leased row is still pending, so the rows
    /// behind it in its conversation keep waiting on every node. The locked row `d` repeats the due test: a row another
    /// node leased and committed after this statement's snapshot is re-read when locked, and only conditions on `d`
    /// itself are checked again then (without them both nodes would send it).
    public func dueWebhookDeliveries(at now: WebhookTime, limit: Int, leaseUntil: WebhookTime) throws -> [WebhookDelivery] {
        switch dialect {
        case .sqlite:
            return try fetchAll(statement("\(Self.dueWebhookDeliveriesSQL) LIMIT ?"), arguments: [now.iso8601, limit], WebhookDelivery.init(row:))
        case .postgres:
            return try fetchAll(
                statement(
                    """
                    UPDATE webhook_deliveries SET next_attempt_at = ?
                    WHERE seq IN (SELECT d.seq FROM (\(Self.dueWebhookDeliveriesSQL)) AS due JOIN webhook_deliveries AS d ON d.seq = due.seq
                                  WHERE d.status = 'pending' AND d.next_attempt_at <= ?
                                  ORDER BY d.seq LIMIT ? FOR UPDATE OF d SKIP LOCKED)
                    RETURNING *
                    """),
                arguments: [leaseUntil.iso8601, now.iso8601, now.iso8601, limit], WebhookDelivery.init(row:)
            ).sorted { $0.seq < $1.seq }
        }
    }

    private static let dueWebhookDeliveriesSQL = """
        SELECT * FROM webhook_deliveries AS d
        WHERE d.status = 'pending' AND d.next_attempt_at <= ?
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS e
                          WHERE e.status = 'pending' AND e.conversation_sid = d.conversation_sid AND e.url = d.url AND e.seq < d.seq)
        ORDER BY d.seq
        """

    /// When the earliest pending delivery is due, if any is pending.
    public func nextWebhookAttempt() throws -> WebhookTime? {
        try value(String.self, statement("SELECT min(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'"))
            .flatMap(WebhookTime.init(iso8601:))
    }

    /// Makes a pending delivery due at `time` without counting an attempt: its attempt never happened (the worker
    /// stopped, or could not read what it needed), and on PostgreSQL it no longer waits out its lease.
    public func releaseWebhookDelivery(seq: Int64, dueAt time: WebhookTime) throws {
        try execute("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE seq = ? AND status = 'pending'", [time.iso8601, seq])
    }

    /// Records the outcome of an attempt.
    public func recordAttempt(
        seq: Int64, status: WebhookDelivery.Status, attempts: Int, nextAttemptAt: WebhookTime, statusCode: Int?, error: String?, now: Timestamp
    ) throws {
        try execute(
            """
            UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?, date_updated = ?
            WHERE seq = ?
            """, [status.rawValue, attempts, nextAttemptAt.iso8601, statusCode, error, now, seq])
    }

    /// The account's deliveries with `status`, oldest first.
    public func webhookDeliveries(accountSid: String, status: WebhookDelivery.Status, page: PageRequest) throws -> Page<WebhookDelivery> {
        try self.page(
            table: "webhook_deliveries", filter: "account_sid = ? AND status = ?", arguments: [accountSid, status.rawValue], key: "seq",
            order: .ascending, request: page, decode: WebhookDelivery.init(row:))
    }

}

extension WebhookConfiguration {
    init(row: Row) {
        self.init(
            scopeSid: row["scope_sid"], accountSid: row["account_sid"], serviceSid: row["service_sid"], preWebhookURL: row["pre_webhook_url"],
            postWebhookURL: row["post_webhook_url"], method: row["method"], filters: StoreTransaction.stringArray(row["filters"]),
            target: row["target"])
    }
}

extension ConversationWebhook {
    init(row: Row) {
        self.init(
            sid: row["sid"], serviceSid: row["service_sid"], conversationSid: row["conversation_sid"],
            target: Target(rawValue: row["target"]) ?? .webhook, url: row["url"], method: row["method"],
            filters: StoreTransaction.stringArray(row["filters"]), triggers: StoreTransaction.stringArray(row["triggers"]), flowSid: row["flow_sid"],
            replayAfter: row["replay_after"], dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }
}

extension WebhookDelivery {
    init(row: Row) {
        self.init(
            seq: row["seq"], idempotencyToken: row["idempotency_token"], accountSid: row["account_sid"], serviceSid: row["service_sid"],
            conversationSid: row["conversation_sid"], scope: Scope(rawValue: row["scope"]) ?? .service, webhookSid: row["webhook_sid"],
            eventType: row["event_type"], url: row["url"], method: row["method"], body: row["body"],
            status: Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            nextAttemptAt: WebhookTime(iso8601: row["next_attempt_at"]) ?? WebhookTime(millisecondsSince1970: 0),
            lastStatusCode: row["last_status_code"],
            lastError: row["last_error"], dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }
}
