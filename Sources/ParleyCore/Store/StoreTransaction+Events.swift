import Foundation
import GRDB

extension StoreTransaction {
    /// Writes one change's events, in this transaction, and returns them with their sequence numbers: one row per
    /// entry of `audiences`, an identity for that user alone or nil for every chat member of the conversation who
    /// joined before it. The resource is encoded once, and the events share one `RenderCache` so a change seen by a
    /// thousand connections is serialized once.
    public func appendEvents(
        _ type: ChatEventType, _ resource: ChatEventResource, conversationSid: String?, serviceSid: String, audiences: [String?], at time: Timestamp
    ) throws -> [ChatEvent] {
        try announceEventWriter()
        let payload = String(decoding: try JSONEncoder().encode(resource), as: UTF8.self)
        let insert = try statement(
            """
            INSERT INTO user_events (service_sid, identity, type, conversation_sid, payload, date_created) VALUES (?, ?, ?, ?, ?, ?)
            RETURNING seq
            """)
        let renderCache = RenderCache()
        return try audiences.map { identity in
            let seq = try value(Int64.self, insert, arguments: [serviceSid, identity, type.rawValue, conversationSid, payload, time])!
            return ChatEvent(
                seq: seq, serviceSid: serviceSid, identity: identity, type: type, conversationSid: conversationSid, resource: resource,
                dateCreated: time, renderCache: renderCache)
        }
    }

    /// The user's events after `seq`, oldest first, at most `limit`: those addressed to them (index
    /// `user_events_by_identity`) and those of each conversation they are a member of, since they joined
    /// (`participants_by_identity`, then `user_events_by_conversation`).
    /// Only events below `horizon` (see `eventHorizon`).
    public func events(serviceSid: String, identity: String, after seq: Int64, before horizon: Int64 = .max, limit: Int) throws -> [ChatEvent] {
        let decoder = JSONDecoder()
        return try fetchAll(statement(Self.userEventsSQL), arguments: [serviceSid, identity, seq, limit, horizon]) { row in
            try ChatEvent(row: row, decoder: decoder)
        }
    }

    /// Every user's events after `seq` and below `horizon`, oldest first, at most `limit`: what `EventTail` makes live.
    public func events(after seq: Int64, before horizon: Int64, limit: Int) throws -> [ChatEvent] {
        let decoder = JSONDecoder()
        return try fetchAll(
            statement(
                """
                SELECT seq, service_sid, identity, type, conversation_sid, payload, date_created FROM user_events
                WHERE seq > ? AND seq < ? ORDER BY seq LIMIT ?
                """),
            arguments: [seq, horizon, limit]
        ) { row in try ChatEvent(row: row, decoder: decoder) }
    }

    /// Who hears the conversation-wide event `seq`: the chat members who joined before it (as a replay would serve it).
    public func chatIdentities(conversationSid: String, hearing seq: Int64) throws -> [String] {
        try values(
            String.self,
            statement("SELECT identity FROM participants WHERE conversation_sid = ? AND identity IS NOT NULL AND events_after < ? ORDER BY seq"),
            arguments: [conversationSid, seq])
    }

    static let userEventsSQL = """
        SELECT seq, service_sid, identity, type, conversation_sid, payload, date_created FROM user_events
        WHERE service_sid = ?1 AND identity = ?2 AND seq > ?3 AND seq < ?5
        UNION ALL
        SELECT e.seq, e.service_sid, e.identity, e.type, e.conversation_sid, e.payload, e.date_created
        FROM participants AS p
        JOIN user_events AS e ON e.conversation_sid = p.conversation_sid AND e.identity IS NULL AND e.seq > CASE WHEN ?3 > p.events_after THEN ?3 ELSE p.events_after END
        WHERE p.service_sid = ?1 AND p.identity = ?2 AND e.seq < ?5
        ORDER BY seq LIMIT ?4
        """

    /// Where a client that connects now starts: the newest event below `horizon` (see `eventHorizon`), 0 before the
    /// first event, even if pruning removed its row.
    public func latestEventSeq(below horizon: Int64) throws -> Int64 {
        switch dialect {
        case .sqlite: try value(Int64.self, statement(Self.latestEventSeqSQL)) ?? 0
        case .postgres: max(0, horizon - 1)
        }
    }

    /// The newest sequence number given out so far (0 before the first event), as an SQL expression: a new
    /// participant sees its conversation's events from the next one on.
    var latestEventSeqSQL: String {
        switch dialect {
        case .sqlite: Self.latestEventSeqSQL
        case .postgres: "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM user_events_seq_seq"
        }
    }

    static let latestEventSeqSQL = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'user_events'), 0)"

    /// Events up to this sequence number have been pruned: a client behind it must resync.
    public func prunedThroughSeq() throws -> Int64 {
        try value(Int64.self, statement("SELECT through_seq FROM user_events_pruned WHERE id = 1")) ?? 0
    }

    /// Deletes events created before `time`; returns how many.
    @discardableResult
    public func pruneEvents(createdBefore time: Timestamp) throws -> Int {
        guard try mayRun(.pruneEvents) else { return 0 }
        guard let highest = try value(Int64.self, statement("SELECT max(seq) FROM user_events WHERE date_created < ?"), arguments: [time]) else {
            return 0
        }
        try execute("DELETE FROM user_events WHERE seq <= ?", [highest])
        let deleted = changesCount
        try execute("UPDATE user_events_pruned SET through_seq = CASE WHEN through_seq > ?1 THEN through_seq ELSE ?1 END WHERE id = 1", [highest])
        return deleted
    }

    /// The identities of the conversation's chat participants: who receives its events.
    public func chatIdentities(conversationSid: String) throws -> [String] {
        try values(String.self,
            statement("SELECT identity FROM participants WHERE conversation_sid = ? AND identity IS NOT NULL ORDER BY seq"),
            arguments: [conversationSid])
    }

    /// Runs `action` once this unit of writing has committed (never if it rolls back), in commit order.
    public func afterCommit(_ action: @escaping @Sendable () -> Void) {
        afterCommitActions.append(action)
    }
}

extension ChatEvent {
    init(row: Row, decoder: JSONDecoder) throws {
        let payload: String = row["payload"]
        self.init(
            seq: row["seq"], serviceSid: row["service_sid"], identity: row["identity"],
            type: ChatEventType(rawValue: row["type"]) ?? .userUpdated, conversationSid: row["conversation_sid"],
            resource: try decoder.decode(ChatEventResource.self, from: Data(payload.utf8)), dateCreated: row["date_created"])
    }
}
