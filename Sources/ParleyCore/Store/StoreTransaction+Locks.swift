/// Locks that order work between nodes sharing a PostgreSQL database. On SQLite one writer orders everything, and
/// these do nothing. PostgreSQL advisory locks held until the transaction ends: nothing to release by hand, nothing
/// left behind by a node that dies.
extension StoreTransaction {
    /// Periodic jobs that one node at a time does.
    enum Job: Int64 {
        case pruneEvents = 0x5041_0001
        case pruneIdempotencyKeys = 0x5041_0002
    }

    /// Whether this transaction may do `job` now: false when another node is doing it (that node's pass covers this
    /// one's, so this one skips rather than waits).
    func mayRun(_ job: Job) throws -> Bool {
        guard case .postgres(let statements) = connection else { return true }
        return try statements.firstColumn("SELECT pg_try_advisory_xact_lock(?)", [job.rawValue]).first.flatMap(Bool.fromDatabaseValue) ?? false
    }

    /// Makes transactions deciding on the same idempotency key wait for each other: the second then reads what the first
    /// wrote, as one SQLite writer would.
    func lockIdempotencyKey(accountSid: String, key: String) throws {
        guard case .postgres(let statements) = connection else { return }
        _ = try statements.run("SELECT pg_advisory_xact_lock(hashtextextended(? || ' ' || ?, 0))", [accountSid, key])
    }
}
