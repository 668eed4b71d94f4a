import GRDB
import Synchronization

/// The SQLite database behind one Parley node: one file, WAL, one writer, pooled readers.
///
/// Services talk to it through `read` and `write`, each a single transaction over a
/// `StoreTransaction` whose methods speak the domain; no GRDB type leaves this folder.
public struct Store: Sendable {
    /// How far an answered write is guaranteed to survive.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=FULL`: an answered write survives power loss (the default).
        case full
        /// `synchronous=NORMAL`: an answered write survives a process crash, not power loss.
        case normal
    }

    let writer: any DatabaseWriter
    let groupCommit: GroupCommit
    /// The database file; nil for an in-memory database.
    public let path: String?
    /// Rung after a commit that wrote channel outbox rows; the channel worker waits on it.
    public let outboxBell = WakeSignal()
    /// Whether writes reach the storage (readiness).
    public let writeHealth = WriteHealth()

    init(writer: any DatabaseWriter, path: String?) {
        self.writer = writer
        self.path = path
        self.groupCommit = GroupCommit(writer: writer)
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
        do {
            let value = try await groupCommit.write { db in
                let tx = StoreTransaction(db: db, outboxBell: outboxBell)
                let value = try body(tx)
                if let mark { try tx.markIdempotencyKeyApplied(accountSid: mark.accountSid, key: mark.key) }
                return (value, tx.afterCommitActions.take())
            }
            writeHealth.succeeded()
            return value
        } catch {
            guard let failure = WriteHealth.storageFailure(error) else { throw error }
            writeHealth.failed(failure)
            throw ParleyError.storageUnavailable(reason: failure)
        }
    }

    /// Runs `body` on a consistent snapshot of the database (WAL readers never wait for the writer).
    public func read<T: Sendable>(_ body: @Sendable @escaping (StoreTransaction) throws -> T) async throws -> T {
        try await writer.read { db in try body(StoreTransaction(db: db)) }
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

/// One open transaction on the store. Its methods (in `StoreTransaction+*.swift`) read and write
/// domain values; it exists only inside `Store.read` and `Store.write`.
public struct StoreTransaction {
    let db: Database
    /// What to do once this unit of writing has committed; dropped if it rolls back.
    let afterCommitActions = ActionList()
    /// The store's outbox bell, to ring after commit (nil on reads).
    var outboxBell: WakeSignal? = nil

    /// The prepared form of `sql`, made once per connection and reused: preparing was a fifth of the server's time
    /// under inbound load (a table with triggers compiles them on every prepare). `sql` must be constant text;
    /// SQL built with values in it would grow the cache without bound.
    func statement(_ sql: String) throws -> Statement {
        try db.cachedStatement(sql: sql)
    }

    /// Runs one statement of constant text through `statement(_:)`.
    func execute(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try statement(sql).execute(arguments: arguments)
    }

    /// Every row of `statement`, each decoded as it is stepped. `Row.fetchAll` copies each row first, and a copied
    /// row finds a column by lowercasing every column name on each access (~5% of the writer's time under inbound
    /// load); the statement's own row looks names up in a table.
    func fetchAll<T>(_ statement: Statement, arguments: StatementArguments = StatementArguments(), _ decode: (Row) throws -> T) throws -> [T] {
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        return try withExtendedLifetime(cursor) {
            var results: [T] = []
            while let row = try cursor.next() { results.append(try decode(row)) }
            return results
        }
    }

    /// The first row of `statement`, decoded (see `fetchAll`).
    func fetchOne<T>(_ statement: Statement, arguments: StatementArguments = StatementArguments(), _ decode: (Row) throws -> T) throws -> T? {
        // The row reads from the statement: the cursor must outlive the decoding.
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        return try withExtendedLifetime(cursor) { try cursor.next().map(decode) }
    }
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
