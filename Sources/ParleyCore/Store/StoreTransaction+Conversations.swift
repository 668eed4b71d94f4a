import GRDB

/// Which conversations a list shows.
public struct ConversationFilter: Sendable, Equatable {
    public var state: ConversationState?
    /// Created on or after this time.
    public var createdFrom: Timestamp?
    /// Created on or before this time.
    public var createdUntil: Timestamp?

    public init(state: ConversationState? = nil, createdFrom: Timestamp? = nil, createdUntil: Timestamp? = nil) {
        self.state = state
        self.createdFrom = createdFrom
        self.createdUntil = createdUntil
    }
}

extension StoreTransaction {
    /// The Conversation with this SID, or with this unique name when `sidOrUniqueName` is not a Conversation SID.
    public func conversation(sidOrUniqueName: String, serviceSid: String) throws -> Conversation? {
        let column = SID.isValid(sidOrUniqueName, .conversation) ? "sid" : "unique_name"
        return try fetchOne(
            statement("SELECT * FROM conversations WHERE \(column) = ? AND service_sid = ?"),
            arguments: [sidOrUniqueName, serviceSid], Conversation.init(row:))
    }

    /// Whether another conversation of the Service has this unique name.
    public func isUniqueNameTaken(_ uniqueName: String, serviceSid: String, except sid: String? = nil) throws -> Bool {
        try value(Bool.self, 
            statement("SELECT EXISTS (SELECT 1 FROM conversations WHERE service_sid = ? AND unique_name = ? AND sid IS DISTINCT FROM ?)"),
            arguments: [serviceSid, uniqueName, sid]) ?? false
    }

    public func conversations(serviceSid: String, filter: ConversationFilter, page: PageRequest) throws -> Page<Conversation> {
        var clauses = ["service_sid = ?"]
        var arguments: SQLArguments = [serviceSid]
        if let state = filter.state {
            clauses.append("state = ?")
            arguments += [state.rawValue]
        }
        if let from = filter.createdFrom {
            clauses.append("date_created >= ?")
            arguments += [from]
        }
        if let until = filter.createdUntil {
            clauses.append("date_created <= ?")
            arguments += [until]
        }
        return try self.page(
            table: "conversations", filter: clauses.joined(separator: " AND "), arguments: arguments, key: "seq", order: .ascending,
            request: page, decode: Conversation.init(row:))
    }

    public func insert(_ conversation: Conversation) throws {
        try execute(
            """
            INSERT INTO conversations (sid, service_sid, unique_name, friendly_name, attributes, state, messaging_service_sid,
                                       timer_inactive, timer_closed, date_inactive, date_closed, email_address, email_name,
                                       date_created, date_updated, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [conversation.sid, conversation.serviceSid] + conversation.mutableColumns
                + [conversation.dateCreated, conversation.dateUpdated, conversation.createdBy])
    }

    public func update(_ conversation: Conversation) throws {
        try execute(
            """
            UPDATE conversations SET unique_name = ?, friendly_name = ?, attributes = ?, state = ?, messaging_service_sid = ?,
                                     timer_inactive = ?, timer_closed = ?, date_inactive = ?, date_closed = ?, email_address = ?,
                                     email_name = ?, date_created = ?, date_updated = ?
            WHERE sid = ?
            """, conversation.mutableColumns + [conversation.dateCreated, conversation.dateUpdated, conversation.sid])
        // A closed conversation releases its participants' (address, proxy address) pairs.
        try execute(
            "UPDATE participants SET binding_active = 0 WHERE conversation_sid = ? AND binding_active = 1 AND ? = 'closed'",
            [conversation.sid, conversation.state.rawValue])
    }

    /// The conversations with these SIDs, by SID: one query for a whole page of memberships.
    public func conversations(sids: [String]) throws -> [String: Conversation] {
        guard !sids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: sids.count).joined(separator: ",")
        let conversations = try fetchAll(
            uncachedStatement("SELECT * FROM conversations WHERE sid IN (\(marks))"), arguments: SQLArguments(sids), Conversation.init(row:))
        return Dictionary(uniqueKeysWithValues: conversations.map { ($0.sid, $0) })
    }

    /// Deletes the conversation with its participants and messages.
    public func deleteConversation(sid: String) throws {
        try execute("DELETE FROM conversations WHERE sid = ?", [sid])
    }
}

extension Conversation {
    init(row: Row) {
        let emailAddress: String? = row["email_address"]
        let emailName: String? = row["email_name"]
        self.init(
            sid: row["sid"], serviceSid: row["service_sid"], uniqueName: row["unique_name"], friendlyName: row["friendly_name"],
            attributes: row["attributes"], state: ConversationState(rawValue: row["state"]) ?? .active,
            messagingServiceSid: row["messaging_service_sid"],
            timers: ConversationTimers(
                inactive: row["timer_inactive"], closed: row["timer_closed"], dateInactive: row["date_inactive"], dateClosed: row["date_closed"]),
            emailBinding: emailAddress == nil && emailName == nil ? nil : EmailBinding(address: emailAddress, name: emailName),
            createdBy: row["created_by"], dateCreated: row["date_created"], dateUpdated: row["date_updated"],
            nextMessageIndex: row["next_message_index"])
    }

    /// The columns from `unique_name` to `email_name`, in table order.
    fileprivate var mutableColumns: SQLArguments {
        [
            uniqueName, friendlyName, attributes, state.rawValue, messagingServiceSid, timers.inactive, timers.closed, timers.dateInactive,
            timers.dateClosed, emailBinding?.address, emailBinding?.name,
        ]
    }
}
