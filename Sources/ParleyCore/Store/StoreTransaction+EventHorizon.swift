import GRDB

/// The event horizon: below which sequence number the event log is final, so that a reader never serves seq 11
/// while seq 10 may still commit.
///
/// On SQLite there is one writer and a seq is given out and committed in order: the horizon is unbounded. On
/// PostgreSQL, writers on several nodes take seqs at insert and commit in any order. Each transaction that writes
/// events first takes a shared advisory lock whose key is at most its smallest seq (`announceEventWriter`: the
/// sequence's last value + 1, read before the lock, then the inserts); the lock goes when the transaction has
/// committed or rolled back. The horizon is then `min(last value + 1, smallest key locked)`, the last value read
/// first: any event row below it that a later snapshot cannot see belongs to a transaction that rolled back.
/// Read in its own transaction before the events are (`Store.eventHorizon`); it looks only at this database.
extension StoreTransaction {
    /// Advisory lock keys of event writers are `eventWriterKeyBase + seq` (seq < 2^48).
    static let eventWriterKeyBase: Int64 = 0x5041 << 48

    /// Takes the event writer's lock, once per transaction (PostgreSQL; nothing on SQLite).
    func announceEventWriter() throws {
        guard case .postgres(let statements) = connection, !statements.announcedEventWriter else { return }
        // The notification tells every node, at commit, that the log has grown (`Store.listen`).
        _ = try statements.run(
            """
            SELECT pg_advisory_xact_lock_shared(? + (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM user_events_seq_seq) + 1),
                   pg_notify(?, ?)
            """,
            [Self.eventWriterKeyBase, PostgresListener.channel, NodeMessage.eventsWritten.payload])
        statements.announcedEventWriter = true
    }

    /// The horizon (see above); `Int64.max` on SQLite.
    func eventHorizon() throws -> Int64 {
        guard case .postgres(let statements) = connection else { return .max }
        let given = try statements.firstColumn("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM user_events_seq_seq", [])
            .first.flatMap(Int64.fromDatabaseValue) ?? 0
        let base = Self.eventWriterKeyBase
        let writing = try statements.firstColumn(
            """
            SELECT min(((classid::bigint << 32) | objid::bigint) - ?) FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 1 AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid::bigint >= ? AND classid::bigint < ?
            """, [base, base >> 32, (base >> 32) + 0x1_0000]
        ).first.flatMap(Int64.fromDatabaseValue)
        return min(given + 1, writing ?? .max)
    }
}

extension Store {
    /// The event horizon (see `StoreTransaction.eventHorizon`), read in a transaction of its own that must end before
    /// the events are read; `Int64.max` on SQLite, without a transaction.
    public func eventHorizon() async throws -> Int64 {
        guard case .postgres = backend else { return .max }
        return try await read { tx in try tx.eventHorizon() }
    }
}
