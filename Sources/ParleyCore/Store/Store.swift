import GRDB
import Synchronization

/// The database behind a Parley node: by default one SQLite file (WAL, one writer, pooled readers), or a PostgreSQL
/// database that several nodes share (`connect(to:)`).
///
/// Services talk to it through `read` and `write`, each a single transaction over a
/// `StoreTransaction` whose methods speak the domain; no GRDB or PostgresNIO type leaves this folder.
public struct Store: Sendable {
    /// How far an answered write is guaranteed to survive.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=FULL`: an answered write survives power loss (the default).
        case full
        /// `synchronous=NORMAL`: an answered write survives a process crash, not power loss.
        case normal
    }

    /// The engine and its connections.
    enum Backend: Sendable {
        case sqlite(any DatabaseWriter, GroupCommit)
        case postgres(PostgresEngine)
    }

    let backend: Backend
    /// The database file; nil for an in-memory or a PostgreSQL database.
    public let path: String?
    /// Rung after a commit that wrote channel outbox rows; the channel worker waits on it.
    public let outboxBell = WakeSignal()
    /// Whether writes reach the storage (readiness).
    public let writeHealth = WriteHealth()

    init(writer: any DatabaseWriter, path: String?) {
        self.backend = .sqlite(writer, GroupCommit(writer: writer))
        self.path = path
    }

    init(postgres: PostgresEngine) {
        self.backend = .postgres(postgres)
        self.path = nil
    }

    /// A store on the PostgreSQL database at `location`, shared with any other node pointed there. Connections open
    /// on first use; the schema must be migrated (`PostgresMigrator`). A request waits at most `acquireTimeout` for a
    /// connection, then is answered 503.
    public static func connect(to location: PostgresLocation, connections: Int = 16, acquireTimeout: Duration = .seconds(5)) -> Store {
        Store(postgres: PostgresEngine(location: location, connections: connections, acquireTimeout: acquireTimeout))
    }

    /// The SQLite connections; operations that exist only for a SQLite file (backup, checkpoints, PRAGMAs) throw
    /// `EngineMismatch` on PostgreSQL.
    var writer: any DatabaseWriter {
        get throws {
            guard case .sqlite(let writer, _) = backend else { throw EngineMismatch(operation: "this operation needs a SQLite database") }
            return writer
        }
    }

    /// The PostgreSQL location, nil on SQLite.
    public var postgresLocation: PostgresLocation? {
        if case .postgres(let engine) = backend { engine.location } else { nil }
    }

    /// Opens (creating if needed) the database file at `path`, without migrating it.
    public static func open(path: String, durability: Durability = .full) throws -> Store {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        try OwnerOnly.createFile(atPath: path)  // SQLite gives -wal and -shm the database file's mode
        let pool = try DatabasePool(path: path, configuration: configuration)
        // DatabasePool switches the writer to WAL with synchronous=NORMAL after `prepareDatabase`
        // has run, so the durability setting is applied here, once the pool is open.
        let pragma = durability == .full ? "FULL" : "NORMAL"
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(pragma)") }
        return Store(writer: pool, path: path)
    }

    /// A private in-memory database, for tests and tools where WAL does not matter.
    public static func inMemory() throws -> Store {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        return Store(writer: try DatabaseQueue(configuration: configuration), path: nil)
    }

    /// Runs `body` as one atomic unit of writing: its changes all commit when it returns, none when it
    /// throws. Concurrent writes share transactions (group commit, see `GroupCommit`); this returns only
    /// once the transaction holding `body` has committed.
    /// A write the storage refuses (disk full, I/O error) throws `ParleyError.storageUnavailable` and is remembered
    /// by `writeHealth` until a write commits again.
    public func write<T: Sendable>(_ body: @Sendable @escaping (StoreTransaction) throws -> T) async throws -> T {
        let mark = IdempotencyMark.current
        let bell = outboxBell
        do {
            let value: T
            switch backend {
            case .sqlite(_, let groupCommit):
                value = try await groupCommit.write { db in
                    try Self.unitOfWriting(StoreTransaction(.sqlite(db), outboxBell: bell), mark: mark, body)
                }
            case .postgres(let engine):
                let (result, actions) = try await engine.transaction(readOnly: false) { statements in
                    try Self.unitOfWriting(StoreTransaction(.postgres(statements), outboxBell: bell), mark: mark, body)
                }
                for action in actions { action() }
                value = result
            }
            writeHealth.succeeded()
            return value
        } catch {
            guard let failure = WriteHealth.storageFailure(error) else { throw error }
            writeHealth.failed(failure)
            throw ParleyError.storageUnavailable(reason: failure)
        }
    }

    /// `body`, then the idempotency key the request carries marked applied in the same transaction.
    private static func unitOfWriting<T>(
        _ tx: StoreTransaction, mark: IdempotencyMark?, _ body: (StoreTransaction) throws -> T
    ) throws -> (T, [AfterCommit]) {
        let value = try body(tx)
        if let mark { try tx.markIdempotencyKeyApplied(accountSid: mark.accountSid, key: mark.key) }
        return (value, tx.afterCommitActions.take())
    }

    /// Runs `body` on a consistent snapshot of the database (WAL readers never wait for the writer).
    public func read<T: Sendable>(_ body: @Sendable @escaping (StoreTransaction) throws -> T) async throws -> T {
        do {
            switch backend {
            case .sqlite(let writer, _): return try await writer.read { db in try body(StoreTransaction(.sqlite(db))) }
            case .postgres(let engine): return try await engine.transaction(readOnly: true) { statements in try body(StoreTransaction(.postgres(statements))) }
            }
        } catch {
            guard case .postgres = backend, let failure = WriteHealth.storageFailure(error) else { throw error }
            throw ParleyError.storageUnavailable(reason: failure)
        }
    }

    /// Runs `body`, which claims outbox rows for this node: a read on SQLite, where this node is the only one, a write
    /// on PostgreSQL, where the claim leases rows so that no other node takes them at the same time.
    public func claim<T: Sendable>(_ body: @Sendable @escaping (StoreTransaction) throws -> T) async throws -> T {
        switch backend {
        case .sqlite: try await read(body)
        case .postgres: try await write(body)
        }
    }

    /// `write`, run to its end even when the calling task is cancelled, and tried again every second for up to
    /// `patience` while the database is unavailable: for recording what already happened outside the database (an outbox
    /// attempt's outcome), which a shutdown or a short outage arriving at that moment must not lose. On PostgreSQL the
    /// row would otherwise stay leased, its outcome unknown, until its lease ended.
    public func recordOutcome<T: Sendable>(patience: Duration = .seconds(30), _ body: @Sendable @escaping (StoreTransaction) throws -> T)
        async throws -> T
    {
        try await Task {
            let deadline = ContinuousClock.now + patience
            while true {
                do {
                    return try await write(body)
                } catch ParleyError.storageUnavailable where ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }.value
    }

    /// The size of the database file after checkpointing the WAL into it, in bytes.
    public func databaseBytes() async throws -> Int {
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return pages * pageSize
        }
    }

    /// The value of a PRAGMA on the writer connection, for checks and diagnostics.
    public func writerPragma(_ name: String) async throws -> String? {
        try await writer.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }
}

/// An operation that one engine has and the other does not (a SQLite backup on PostgreSQL).
public struct EngineMismatch: Error, CustomStringConvertible {
    public let operation: String
    public var description: String { operation }
}

/// The after-commit actions collected by one `StoreTransaction`.
final class ActionList: Sendable {
    private let actions = Mutex<[AfterCommit]>([])
    func append(_ action: @escaping AfterCommit) { actions.withLock { $0.append(action) } }
    func take() -> [AfterCommit] {
        actions.withLock { list in
            defer { list = [] }
            return list
        }
    }
}
