import GRDB

extension StoreTransaction {
    public func message(sid: String, conversationSid: String) throws -> Message? {
        try fetchOne(
            statement("SELECT * FROM messages WHERE sid = ? AND conversation_sid = ?"), arguments: [sid, conversationSid], Message.init(row:))
    }

    /// A keyset page of the conversation's messages by index: one range scan of `UNIQUE (conversation_sid, "index")`.
    public func messages(conversationSid: String, order: SortOrder, page: PageRequest) throws -> Page<Message> {
        try self.page(
            table: "messages", filter: "conversation_sid = ?", arguments: [conversationSid], key: "\"index\"", order: order, request: page,
            decode: Message.init(row:))
    }

    /// Takes the conversation's next message index (under the write lock, so concurrent posts get
    /// distinct, increasing indices), advances its counter and marks the conversation changed at `now` (a message was
    /// added). Indices are never reused.
    ///
    /// On PostgreSQL this locks the conversation row until the transaction ends, so posts into one conversation take
    /// turns from here to their commit: call it as late as the message allows.
    public func takeNextMessageIndex(conversationSid: String, touchedAt now: Timestamp) throws -> Int64 {
        let index = try value(Int64.self,
            statement("UPDATE conversations SET next_message_index = next_message_index + 1, date_updated = ? WHERE sid = ? RETURNING next_message_index - 1"),
            arguments: [now, conversationSid])
        guard let index else { throw ParleyError.notFound(resource: "/Conversations/\(conversationSid)") }
        return index
    }

    public func insert(_ message: Message) throws {
        try execute(
            """
            INSERT INTO messages (sid, service_sid, conversation_sid, "index", author, body, subject, attributes, participant_sid, media,
                                  content_sid, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                message.sid, message.serviceSid, message.conversationSid, message.index, message.author, message.body, message.subject,
                message.attributes, message.participantSid, message.media, message.contentSid, message.dateCreated, message.dateUpdated,
            ])
    }

    public func update(_ message: Message) throws {
        try execute(
            "UPDATE messages SET author = ?, body = ?, subject = ?, attributes = ?, participant_sid = ?, date_created = ?, date_updated = ? WHERE sid = ?",
            [
                message.author, message.body, message.subject, message.attributes, message.participantSid, message.dateCreated, message.dateUpdated,
                message.sid,
            ])
    }

    public func deleteMessage(sid: String) throws {
        try execute("DELETE FROM messages WHERE sid = ?", [sid])
    }
}

extension Message {
    init(row: Row) {
        self.init(
            sid: row["sid"], serviceSid: row["service_sid"], conversationSid: row["conversation_sid"], index: row["index"],
            author: row["author"] ?? "system", body: row["body"], subject: row["subject"], attributes: row["attributes"],
            participantSid: row["participant_sid"], media: row["media"], contentSid: row["content_sid"], dateCreated: row["date_created"],
            dateUpdated: row["date_updated"])
        self.delivery = row["delivery"]
    }
}
