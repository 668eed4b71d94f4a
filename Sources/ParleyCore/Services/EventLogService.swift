/// The durable side of chat events: what a reconnecting client missed, and retention.
public struct EventLogService: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    /// What a client resuming from a sequence number gets.
    public enum Replay: Sendable, Equatable {
        /// The events after it, oldest first (at most the limit asked for; ask again from the last one).
        case events([ChatEvent])
        /// Events it has not seen were pruned: it must fetch state afresh and resume from `latestSeq`.
        case resyncRequired(latestSeq: Int64)
    }

    /// The user's events after `seq`.
    /// Only settled events (below the store's event horizon): none that an earlier one could still follow.
    public func replay(serviceSid: String, identity: String, after seq: Int64, limit: Int = 500) async throws -> Replay {
        let horizon = try await store.eventHorizon()
        return try await store.read { tx in
            if seq < (try tx.prunedThroughSeq()) { return .resyncRequired(latestSeq: try tx.latestEventSeq(below: horizon)) }
            return .events(try tx.events(serviceSid: serviceSid, identity: identity, after: seq, before: horizon, limit: limit))
        }
    }

    /// The newest settled sequence number: where a client with fresh state starts.
    public func latestSeq() async throws -> Int64 {
        let horizon = try await store.eventHorizon()
        return try await store.read { tx in try tx.latestEventSeq(below: horizon) }
    }

    /// Deletes events older than `retention` seconds; returns how many.
    @discardableResult
    public func prune(retention: Int64) async throws -> Int {
        let cutoff = now().adding(seconds: -retention)
        return try await store.write { tx in try tx.pruneEvents(createdBefore: cutoff) }
    }
}
