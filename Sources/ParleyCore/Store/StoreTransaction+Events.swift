import Foundation
import GRDB

/// An event not yet written: `appendEvents` gives it its sequence number.
public struct PendingEvent: Sendable {
    public var identity: String
    public var type: ChatEventType
    public var conversationSid: String?
    public var resource: ChatEventResource
}

extension StoreTransaction {
    /// Writes the events, in this transaction, and returns them with their sequence numbers.
    public func appendEvents(_ events: [PendingEvent], serviceSid: String, at time: Timestamp) throws -> [ChatEvent] {
        let encoder = JSONEncoder()
        let statement = try db.cachedStatement(
            sql: "INSERT INTO user_events (service_sid, identity, type, conversation_sid, payload, date_created) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq")
        return try events.map { event in
            let payload = String(decoding: try encoder.encode(event.resource), as: UTF8.self)
            let seq = try Int64.fetchOne(
                statement, arguments: [serviceSid, event.identity, event.type.rawValue, event.conversationSid, payload, time])!
            return ChatEvent(
                seq: seq, serviceSid: serviceSid, identity: event.identity, type: event.type, conversationSid: event.conversationSid,
                resource: event.resource, dateCreated: time)
        }
    }

    /// The user's events after `seq`, oldest first, at most `limit` (index `user_events_by_identity`).
    public func events(serviceSid: String, identity: String, after seq: Int64, limit: Int) throws -> [ChatEvent] {
        let decoder = JSONDecoder()
        return try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM user_events WHERE service_sid = ? AND identity = ? AND seq > ? ORDER BY seq LIMIT ?"),
            arguments: [serviceSid, identity, seq, limit]
        ).map { row in
            let payload: String = row["payload"]
            return ChatEvent(
                seq: row["seq"], serviceSid: row["service_sid"], identity: row["identity"],
                type: ChatEventType(rawValue: row["type"]) ?? .userUpdated, conversationSid: row["conversation_sid"],
                resource: try decoder.decode(ChatEventResource.self, from: Data(payload.utf8)), dateCreated: row["date_created"])
        }
    }

    /// The newest sequence number written so far (0 before the first event).
    public func latestEventSeq() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM user_events") ?? 0
    }

    /// Events up to this sequence number have been pruned: a client behind it must resync.
    public func prunedThroughSeq() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT through_seq FROM user_events_pruned WHERE id = 1") ?? 0
    }

    /// Deletes events created before `time`; returns how many.
    @discardableResult
    public func pruneEvents(createdBefore time: Timestamp) throws -> Int {
        guard let highest = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM user_events WHERE date_created < ?", arguments: [time]) else {
            return 0
        }
        try db.execute(sql: "DELETE FROM user_events WHERE seq <= ?", arguments: [highest])
        let deleted = db.changesCount
        try db.execute(sql: "UPDATE user_events_pruned SET through_seq = max(through_seq, ?) WHERE id = 1", arguments: [highest])
        return deleted
    }

    /// The identities of the conversation's chat participants: who receives its events.
    public func chatIdentities(conversationSid: String) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT identity FROM participants WHERE conversation_sid = ? AND identity IS NOT NULL ORDER BY seq"),
            arguments: [conversationSid])
    }

    /// Runs `action` once this unit of writing has committed (never if it rolls back), in commit order.
    public func afterCommit(_ action: @escaping @Sendable () -> Void) {
        afterCommitActions.append(action)
    }
}
