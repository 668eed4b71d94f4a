import Foundation
import GRDB

// MARK: - Outbound: receipts and the delivery outbox

extension StoreTransaction {
    /// The conversation's messaging participants: those with an address and a proxy address.
    public func messagingParticipants(conversationSid: String) throws -> [Participant] {
        try fetchAll(
            statement("SELECT * FROM participants WHERE conversation_sid = ? AND address IS NOT NULL AND proxy_address IS NOT NULL ORDER BY seq"),
            arguments: [conversationSid], Participant.init(row:))
    }

    public func insert(_ receipt: DeliveryReceipt) throws {
        try execute(
            """
            INSERT INTO delivery_receipts (sid, service_sid, conversation_sid, message_sid, participant_sid, channel_message_sid, status,
                                           error_code, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                receipt.sid, receipt.serviceSid, receipt.conversationSid, receipt.messageSid, receipt.participantSid, receipt.channelMessageSid,
                receipt.status.rawValue, receipt.errorCode, receipt.dateCreated, receipt.dateUpdated,
            ])
    }

    /// Writes an outbox row, due at `dueAt` (Unix milliseconds).
    public func insert(_ delivery: OutboundDelivery, dueAt: Int64, now: Timestamp) throws {
        try execute(
            """
            INSERT INTO channel_deliveries (receipt_sid, service_sid, conversation_sid, message_sid, channel, from_address, to_address, body,
                                            media_urls, next_attempt_at, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                delivery.receiptSid, delivery.serviceSid, delivery.conversationSid, delivery.messageSid, delivery.channel.rawValue, delivery.from,
                delivery.to, delivery.body, Self.jsonArray(delivery.mediaURLs), dueAt, now, now,
            ])
    }

    /// The message's `delivery` summary (JSON), kept by the receipts' triggers.
    public func messageDelivery(sid: String) throws -> String? {
        try value(String.self, statement("SELECT delivery FROM messages WHERE sid = ?"), arguments: [sid])
    }

    /// Claims up to `limit` pending deliveries due at `nowMillis`: each counts an attempt and is leased until
    /// `leaseUntil` (if the process dies mid-send, the row is due again then). One range scan of `channel_deliveries_due`.
    public func claimDueDeliveries(nowMillis: Int64, leaseUntil: Int64, limit: Int, now: Timestamp) throws -> [OutboundDelivery] {
        try fetchAll(
            statement(
                """
                UPDATE channel_deliveries SET attempts = attempts + 1, next_attempt_at = ?, date_updated = ?
                WHERE seq IN (SELECT seq FROM channel_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
                              ORDER BY next_attempt_at LIMIT ?\(dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""))
                RETURNING *
                """),
            arguments: [leaseUntil, now, nowMillis, limit], OutboundDelivery.init(row:))
    }

    /// When the next pending delivery is due (Unix milliseconds), if any.
    public func nextDeliveryDue() throws -> Int64? {
        try value(Int64.self, 
            statement("SELECT min(next_attempt_at) FROM channel_deliveries WHERE status = 'pending'"))
    }

    /// Ends a delivery: `sent` or `failed` with the error, and its receipt's status (never moved back).
    public func finishDelivery(
        receiptSid: String, outboxStatus: String, receiptStatus: ReceiptStatus, channelMessageSid: String?, errorCode: Int, error: String?,
        now: Timestamp
    ) throws {
        try execute(
            "UPDATE channel_deliveries SET status = ?, last_error = ?, date_updated = ? WHERE receipt_sid = ?",
            [outboxStatus, error, now, receiptSid])
        try execute(
            "UPDATE delivery_receipts SET channel_message_sid = coalesce(?, channel_message_sid), date_updated = ? WHERE sid = ?",
            [channelMessageSid, now, receiptSid])
        if let receipt = try receipt(sid: receiptSid), receiptStatus.rank > receipt.status.rank {
            try setReceiptStatus(sid: receiptSid, receiptStatus, errorCode: errorCode, now: now)
        }
    }

    /// Puts a delivery back to be tried at `dueAt` (Unix milliseconds) after a failure.
    public func retryDelivery(receiptSid: String, dueAt: Int64, error: String, now: Timestamp) throws {
        try execute(
            "UPDATE channel_deliveries SET next_attempt_at = ?, last_error = ?, date_updated = ? WHERE receipt_sid = ? AND status = 'pending'",
            [dueAt, error, now, receiptSid])
    }

    /// Sets a receipt's status; its triggers recompute the message's `delivery` summary from all its receipts. On
    /// PostgreSQL the message row is locked first, so receipts of one message changing at once (two deliveries, a status
    /// callback) are summarized in turn, each counting the other's committed status: at READ COMMITTED the trigger would
    /// otherwise count from a snapshot without it and leave "some" where all were sent. One SQLite writer orders them.
    public func setReceiptStatus(sid: String, _ status: ReceiptStatus, errorCode: Int, now: Timestamp) throws {
        if dialect == .postgres {
            try execute("SELECT 1 FROM messages WHERE sid = (SELECT message_sid FROM delivery_receipts WHERE sid = ?) FOR UPDATE", [sid])
        }
        try execute(
            "UPDATE delivery_receipts SET status = ?, error_code = ?, date_updated = ? WHERE sid = ?", [status.rawValue, errorCode, now, sid])
    }

    public func receipt(sid: String) throws -> DeliveryReceipt? {
        try fetchOne(statement("SELECT * FROM delivery_receipts WHERE sid = ?"), arguments: [sid], DeliveryReceipt.init(row:))
    }

    /// The receipt of the channel message a status callback names (index `delivery_receipts_by_channel_message`).
    public func receipt(channelMessageSid: String) throws -> DeliveryReceipt? {
        try fetchOne(
            statement("SELECT * FROM delivery_receipts WHERE channel_message_sid = ? ORDER BY seq LIMIT 1"), arguments: [channelMessageSid],
            DeliveryReceipt.init(row:))
    }

    public func receipts(messageSid: String, page: PageRequest) throws -> Page<DeliveryReceipt> {
        try self.page(
            table: "delivery_receipts", filter: "message_sid = ?", arguments: [messageSid], key: "seq", order: .ascending, request: page,
            decode: DeliveryReceipt.init(row:))
    }

    /// The outbox row of a receipt: its status, attempts and last error, for diagnostics and tests.
    public func deliveryState(receiptSid: String) throws -> (status: String, attempts: Int, lastError: String?)? {
        guard
            let state = try fetchOne(
                statement("SELECT status, attempts, last_error FROM channel_deliveries WHERE receipt_sid = ?"), arguments: [receiptSid],
                { row in (status: row["status"] as String, attempts: row["attempts"] as Int, lastError: row["last_error"] as String?) })
        else { return nil }
        return state
    }

    // MARK: Sandbox transport

    /// Logs what the sandbox "sent" for a message of `serviceSid`, under that Service's account.
    public func insert(_ entry: SandboxDelivery, serviceSid: String) throws {
        try execute(
            """
            INSERT INTO sandbox_deliveries (sid, receipt_sid, channel, from_address, to_address, body, media_urls, date_created, account_sid)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT account_sid FROM services WHERE sid = ?))
            """,
            [
                entry.sid, entry.receiptSid, entry.channel, entry.from, entry.to, entry.body, Self.jsonArray(entry.mediaURLs), entry.dateCreated,
                serviceSid,
            ])
    }

    /// The sandbox log of one account, oldest first.
    public func sandboxDeliveries(accountSid: String, page: PageRequest) throws -> Page<SandboxDelivery> {
        try self.page(
            table: "sandbox_deliveries", filter: "account_sid = ?", arguments: [accountSid], key: "seq", order: .ascending, request: page,
            decode: SandboxDelivery.init(row:))
    }

}

// MARK: - Inbound

extension StoreTransaction {
    /// The participant bound to (address, proxy address) in an open conversation of any of the account's Services:
    /// one probe of `participants_by_bound_pair`.
    public func participantBound(address: String, proxyAddress: String, accountSid: String) throws -> Participant? {
        try fetchOne(
            statement(
                """
                SELECT p.* FROM participants p JOIN services s ON s.sid = p.service_sid
                WHERE p.address = ? AND p.proxy_address = ? AND p.binding_active = 1 AND s.account_sid = ?
                ORDER BY p.seq LIMIT 1
                """),
            arguments: [address, proxyAddress, accountSid], Participant.init(row:))
    }

    /// Whether a channel message with this `MessageSid` was accepted before.
    public func isInboundKnown(messageSid: String) throws -> Bool {
        try value(Bool.self, 
            statement("SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE message_sid = ?)"), arguments: [messageSid]) ?? false
    }

    /// Records an accepted inbound message by its channel `MessageSid` (the primary key refuses a second one).
    public func recordInbound(messageSid: String, accountSid: String, conversationSid: String?, parleyMessageSid: String?, now: Timestamp) throws {
        try execute(
            "INSERT INTO inbound_messages (message_sid, account_sid, conversation_sid, parley_message_sid, date_created) VALUES (?, ?, ?, ?, ?)",
            [messageSid, accountSid, conversationSid, parleyMessageSid, now])
    }

    public func insertUnrouted(_ message: InboundMessage, channel: Channel, now: Timestamp) throws {
        let media = message.media.map { ["url": $0.url, "content_type": $0.contentType] }
        var parameters: [String: String] = [:]
        for (name, value) in message.parameters { parameters[name] = value }
        let mediaJSON = String(decoding: (try? JSONSerialization.data(withJSONObject: media)) ?? Data("[]".utf8), as: UTF8.self)
        let parametersJSON = String(
            decoding: (try? JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
        try execute(
            """
            INSERT INTO unrouted_inbound (message_sid, account_sid, channel, from_address, to_address, body, media, parameters, date_created)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [message.messageSid, message.accountSid, channel.rawValue, message.from, message.to, message.body, mediaJSON, parametersJSON, now])
    }

    /// How many inbound messages went unrouted (reporting, tests).
    public func unroutedCount(to address: String? = nil) throws -> Int {
        try value(Int.self, 
            statement("SELECT count(*) FROM unrouted_inbound WHERE CAST(?1 AS TEXT) IS NULL OR to_address = ?1"), arguments: [address]) ?? 0
    }
}

// MARK: - Address Configurations

extension StoreTransaction {
    public func insert(_ configuration: AddressConfiguration) throws {
        try execute(
            """
            INSERT INTO address_configurations (sid, account_sid, type, address, friendly_name, auto_creation_enabled, auto_creation_type,
                auto_creation_conversation_service_sid, auto_creation_webhook_url, auto_creation_webhook_method, auto_creation_webhook_filters,
                auto_creation_studio_flow_sid, auto_creation_studio_retry_count, address_country, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [configuration.sid, configuration.accountSid, configuration.type, configuration.address] + configuration.mutableColumns
                + [configuration.addressCountry, configuration.dateCreated, configuration.dateUpdated])
    }

    public func update(_ configuration: AddressConfiguration) throws {
        try execute(
            """
            UPDATE address_configurations SET friendly_name = ?, auto_creation_enabled = ?, auto_creation_type = ?,
                auto_creation_conversation_service_sid = ?, auto_creation_webhook_url = ?, auto_creation_webhook_method = ?,
                auto_creation_webhook_filters = ?, auto_creation_studio_flow_sid = ?, auto_creation_studio_retry_count = ?, date_updated = ?
            WHERE sid = ?
            """, configuration.mutableColumns + [configuration.dateUpdated, configuration.sid])
    }

    public func deleteAddressConfiguration(sid: String) throws {
        try execute("DELETE FROM address_configurations WHERE sid = ?", [sid])
    }

    /// The account's configuration with this SID, or for this address when `sidOrAddress` is not an `IG` SID.
    public func addressConfiguration(sidOrAddress: String, accountSid: String) throws -> AddressConfiguration? {
        let column = ChannelSID.isValid(sidOrAddress, ChannelSID.addressConfiguration) ? "sid" : "address"
        return try fetchOne(
            statement("SELECT * FROM address_configurations WHERE \(column) = ? AND account_sid = ?"),
            arguments: [sidOrAddress, accountSid], AddressConfiguration.init(row:))
    }

    public func addressConfigurations(accountSid: String, type: String?, page: PageRequest) throws -> Page<AddressConfiguration> {
        try self.page(
            table: "address_configurations", filter: "account_sid = ? AND (CAST(? AS TEXT) IS NULL OR type = ?)", arguments: [accountSid, type, type], key: "seq",
            order: .ascending, request: page, decode: AddressConfiguration.init(row:))
    }
}

// MARK: - Timers

extension StoreTransaction {
    /// On PostgreSQL the due conversations are locked for this transaction, and those another node's timer pass holds
    /// are skipped: each timer fires once however many nodes look. (SQLite has one writer.)
    private var claimingSuffix: String { dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }

    /// Active conversations whose inactive timer has passed (index `conversations_inactive_due`).
    public func conversationsDueInactive(at now: Timestamp, limit: Int) throws -> [Conversation] {
        try fetchAll(
            statement(
                "SELECT * FROM conversations WHERE date_inactive IS NOT NULL AND date_inactive <= ? AND state = 'active' ORDER BY date_inactive LIMIT ?"
                    + claimingSuffix),
            arguments: [now, limit], Conversation.init(row:))
    }

    /// Open conversations whose closed timer has passed (index `conversations_closed_due`).
    public func conversationsDueClosed(at now: Timestamp, limit: Int) throws -> [Conversation] {
        try fetchAll(
            statement(
                "SELECT * FROM conversations WHERE date_closed IS NOT NULL AND date_closed <= ? AND state != 'closed' ORDER BY date_closed LIMIT ?"
                    + claimingSuffix),
            arguments: [now, limit], Conversation.init(row:))
    }
}

// MARK: - Rows

extension DeliveryReceipt {
    init(row: Row) {
        self.init(
            sid: row["sid"], serviceSid: row["service_sid"], conversationSid: row["conversation_sid"], messageSid: row["message_sid"],
            participantSid: row["participant_sid"], channelMessageSid: row["channel_message_sid"],
            status: ReceiptStatus(rawValue: row["status"]) ?? .queued, errorCode: row["error_code"], dateCreated: row["date_created"],
            dateUpdated: row["date_updated"])
    }
}

extension OutboundDelivery {
    init(row: Row) {
        self.init(
            receiptSid: row["receipt_sid"], serviceSid: row["service_sid"], conversationSid: row["conversation_sid"], messageSid: row["message_sid"],
            channel: Channel(rawValue: row["channel"]) ?? .sms, from: row["from_address"], to: row["to_address"], body: row["body"],
            mediaURLs: StoreTransaction.stringArray(row["media_urls"]), attempts: row["attempts"])
    }
}

extension SandboxDelivery {
    init(row: Row) {
        self.init(
            sid: row["sid"], receiptSid: row["receipt_sid"], channel: row["channel"], from: row["from_address"], to: row["to_address"],
            body: row["body"], mediaURLs: StoreTransaction.stringArray(row["media_urls"]), dateCreated: row["date_created"])
    }
}

extension AddressConfiguration {
    init(row: Row) {
        var autoCreation = AutoCreation()
        autoCreation.enabled = row["auto_creation_enabled"]
        autoCreation.type = row["auto_creation_type"]
        autoCreation.conversationServiceSid = row["auto_creation_conversation_service_sid"]
        autoCreation.webhookURL = row["auto_creation_webhook_url"]
        autoCreation.webhookMethod = row["auto_creation_webhook_method"]
        let filters: String? = row["auto_creation_webhook_filters"]
        autoCreation.webhookFilters = filters.map { StoreTransaction.stringArray($0) }
        autoCreation.studioFlowSid = row["auto_creation_studio_flow_sid"]
        autoCreation.studioRetryCount = row["auto_creation_studio_retry_count"]
        self.init(
            sid: row["sid"], accountSid: row["account_sid"], type: row["type"], address: row["address"], friendlyName: row["friendly_name"],
            autoCreation: autoCreation, addressCountry: row["address_country"], dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }

    /// The columns from `friendly_name` to `auto_creation_studio_retry_count`, in table order.
    fileprivate var mutableColumns: SQLArguments {
        [
            friendlyName, autoCreation.enabled, autoCreation.type, autoCreation.conversationServiceSid, autoCreation.webhookURL,
            autoCreation.webhookMethod, autoCreation.webhookFilters.map { StoreTransaction.jsonArray($0) }, autoCreation.studioFlowSid,
            autoCreation.studioRetryCount,
        ]
    }
}

// MARK: - Reporting

extension StoreTransaction {
    /// How many outbox rows are pending, sent and failed (benchmarks, diagnostics).
    public func channelDeliveryCounts() throws -> (pending: Int, sent: Int, failed: Int) {
        let counts = try fetchOne(
            statement(
                """
                SELECT count(CASE WHEN status = 'pending' THEN 1 END) AS pending, count(CASE WHEN status = 'sent' THEN 1 END) AS sent,
                       count(CASE WHEN status = 'failed' THEN 1 END) AS failed
                FROM channel_deliveries
                """)
        ) { row in (pending: row["pending"] as Int, sent: row["sent"] as Int, failed: row["failed"] as Int) }
        return counts ?? (0, 0, 0)
    }
}
