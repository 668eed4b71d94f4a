import GRDB

/// The enqueue side of the push outbox (`push_deliveries`): one row per binding, each a single `INSERT ... SELECT`
/// however many devices it reaches. The worker side (due rows, outcomes) lives with the worker.
extension StoreTransaction {
    /// Enqueues `payload` for every device of the conversation's chat members that wants `kind`, except `author`'s and
    /// members who muted the conversation. Returns the number of rows written.
    public func enqueuePushForMembers(
        conversationSid: String, excluding author: String, kind: PushNotification.Kind, payload: String, now: Timestamp
    ) throws -> Int {
        try execute(
            """
            INSERT INTO push_deliveries (account_sid, service_sid, conversation_sid, event_type, binding_sid, credential_sid, binding_type, identity,
                                         address, payload, next_attempt_at, date_created, date_updated)
            SELECT b.account_sid, b.service_sid, p.conversation_sid, ?, b.sid, b.credential_sid, b.binding_type, b.identity, b.address, ?, ?, ?, ?
            FROM participants AS p
            JOIN push_bindings AS b ON b.service_sid = p.service_sid AND b.identity = p.identity
            WHERE p.conversation_sid = ? AND p.identity IS NOT NULL AND p.identity != ? AND p.notification_level != 'muted'
              AND EXISTS (SELECT 1 FROM json_each(b.message_types) WHERE value = ?)
            ORDER BY b.seq
            """,
            [kind.rawValue, payload, WebhookTime.now.iso8601, now, now, conversationSid, author, kind.rawValue])
        return changesCount
    }

    /// Enqueues `payload` for every device of `identity` in the Service that wants `kind`. Returns the rows written.
    public func enqueuePush(
        to identity: String, serviceSid: String, conversationSid: String?, kind: PushNotification.Kind, payload: String, now: Timestamp
    ) throws -> Int {
        try execute(
            """
            INSERT INTO push_deliveries (account_sid, service_sid, conversation_sid, event_type, binding_sid, credential_sid, binding_type, identity,
                                         address, payload, next_attempt_at, date_created, date_updated)
            SELECT b.account_sid, b.service_sid, ?, ?, b.sid, b.credential_sid, b.binding_type, b.identity, b.address, ?, ?, ?, ?
            FROM push_bindings AS b
            WHERE b.service_sid = ? AND b.identity = ? AND EXISTS (SELECT 1 FROM json_each(b.message_types) WHERE value = ?)
            ORDER BY b.seq
            """,
            [conversationSid, kind.rawValue, payload, WebhookTime.now.iso8601, now, now, serviceSid, identity, kind.rawValue])
        return changesCount
    }
}
