import GRDB

extension StoreTransaction {
    /// The participant of the conversation with this SID, or with this identity when `sidOrIdentity` is not a Participant SID.
    public func participant(sidOrIdentity: String, conversationSid: String) throws -> Participant? {
        let column = SID.isValid(sidOrIdentity, .participant) ? "sid" : "identity"
        return try fetchOne(
            statement("SELECT * FROM participants WHERE \(column) = ? AND conversation_sid = ?"),
            arguments: [sidOrIdentity, conversationSid], Participant.init(row:))
    }

    /// The chat participant with this identity, whatever the identity looks like (the unique index on `(conversation_sid, identity)`).
    public func participant(identity: String, conversationSid: String) throws -> Participant? {
        try fetchOne(
            statement("SELECT * FROM participants WHERE identity = ? AND conversation_sid = ?"), arguments: [identity, conversationSid],
            Participant.init(row:))
    }

    public func participants(conversationSid: String, page: PageRequest) throws -> Page<Participant> {
        try self.page(
            table: "participants", filter: "conversation_sid = ?", arguments: [conversationSid], key: "seq", order: .ascending,
            request: page, decode: Participant.init(row:))
    }

    /// A page of the participations of a chat identity across the Service's conversations, oldest first
    /// (index `participants_by_identity`).
    public func participations(identity: String, serviceSid: String, page: PageRequest) throws -> Page<Participant> {
        try self.page(
            table: "participants", filter: "service_sid = ? AND identity = ?", arguments: [serviceSid, identity], key: "seq",
            order: .ascending, request: page, decode: Participant.init(row:))
    }

    /// A page of the participations of a messaging address, closed conversations included (index `participants_by_address`).
    public func participations(address: String, serviceSid: String, page: PageRequest) throws -> Page<Participant> {
        try self.page(
            table: "participants", filter: "service_sid = ? AND address = ?", arguments: [serviceSid, address], key: "seq",
            order: .ascending, request: page, decode: Participant.init(row:))
    }

    /// How many participants the conversation has, and how many of them are not chat participants.
    public func participantCounts(conversationSid: String) throws -> (all: Int, nonChat: Int) {
        let counts = try fetchOne(
            statement("SELECT count(*) AS all_, count(address) AS non_chat FROM participants WHERE conversation_sid = ?"),
            arguments: [conversationSid]
        ) { row in (all: row["all_"] as Int, nonChat: row["non_chat"] as Int) }
        return counts ?? (0, 0)
    }

    /// The participant that holds the (address, proxy address) pair in an open conversation of the Service.
    /// This is the inbound routing lookup: one probe of the partial unique index `participants_by_binding`.
    public func participantBound(address: String, proxyAddress: String, serviceSid: String) throws -> Participant? {
        try fetchOne(
            statement("SELECT * FROM participants WHERE service_sid = ? AND address = ? AND proxy_address = ? AND binding_active = 1"),
            arguments: [serviceSid, address, proxyAddress], Participant.init(row:))
    }

    /// The participant a message author names: a chat participant by identity or a messaging participant by address.
    public func participantSid(author: String, conversationSid: String) throws -> String? {
        try value(String.self, 
            statement("SELECT sid FROM participants WHERE conversation_sid = ?1 AND (identity = ?2 OR address = ?2) ORDER BY seq LIMIT 1"),
            arguments: [conversationSid, author])
    }

    /// Inserts the participant; it sees the conversation's chat events from the next one on (`events_after`).
    public func insert(_ participant: Participant, bindingActive: Bool) throws {
        try execute(
            """
            INSERT INTO participants (sid, service_sid, conversation_sid, identity, channel, address, proxy_address, projected_address,
                                      binding_active, attributes, role_sid, last_read_message_index, last_read_timestamp,
                                      notification_level, date_created, date_updated, events_after)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (\(latestEventSeqSQL)))
            """,
            [participant.sid, participant.serviceSid, participant.conversationSid] + participant.mutableColumns(bindingActive: bindingActive))
    }

    public func update(_ participant: Participant, bindingActive: Bool) throws {
        try execute(
            """
            UPDATE participants SET identity = ?, channel = ?, address = ?, proxy_address = ?, projected_address = ?, binding_active = ?,
                                    attributes = ?, role_sid = ?, last_read_message_index = ?, last_read_timestamp = ?,
                                    notification_level = ?, date_created = ?, date_updated = ?
            WHERE sid = ?
            """, participant.mutableColumns(bindingActive: bindingActive) + [participant.sid])
    }

    public func deleteParticipant(sid: String) throws {
        try execute("DELETE FROM participants WHERE sid = ?", [sid])
    }
}

extension Participant {
    init(row: Row) {
        let address: String? = row["address"]
        let proxyAddress: String? = row["proxy_address"]
        let projectedAddress: String? = row["projected_address"]
        let hasBinding = address != nil || proxyAddress != nil || projectedAddress != nil
        self.init(
            sid: row["sid"], serviceSid: row["service_sid"], conversationSid: row["conversation_sid"], identity: row["identity"],
            binding: hasBinding ? MessagingBinding(address: address, proxyAddress: proxyAddress, projectedAddress: projectedAddress) : nil,
            attributes: row["attributes"], roleSid: row["role_sid"], lastReadMessageIndex: row["last_read_message_index"],
            lastReadTimestamp: row["last_read_timestamp"],
            notificationLevel: NotificationLevel(rawValue: row["notification_level"]) ?? .default,
            dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }

    /// The columns from `identity` to `date_updated`, in table order.
    fileprivate func mutableColumns(bindingActive: Bool) -> SQLArguments {
        [
            identity, channel.rawValue, binding?.address, binding?.proxyAddress, binding?.projectedAddress, bindingActive, attributes, roleSid,
            lastReadMessageIndex, lastReadTimestamp, notificationLevel.rawValue, dateCreated, dateUpdated,
        ]
    }
}
