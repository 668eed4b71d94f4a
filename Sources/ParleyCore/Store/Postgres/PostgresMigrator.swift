import ParleyMigrations
import PostgresNIO

/// `SchemaMigrator` for PostgreSQL: applies `embeddedPostgresMigrations` in order, one transaction each, recorded
/// in the database's own `schema_migrations` table (same names as SQLite's). Forward-only, and a database holding a
/// migration this binary does not know is refused, as for SQLite.
///
/// Several nodes may run it at once (a rolling upgrade): every step holds a transaction-scoped advisory lock, and a
/// migration another node applied meanwhile is skipped.
public struct PostgresMigrator: Sendable {
    public let migrations: [EmbeddedMigration]

    /// The advisory lock key all of Parley's schema changes (migrations, `parley copy`) take.
    static let schemaLock: Int64 = 0x7061_726C_6579  // "parley"

    public init(migrations: [EmbeddedMigration] = embeddedPostgresMigrations) {
        self.migrations = migrations.sorted { $0.name < $1.name }
    }

    /// Every known migration with its applied date, in order.
    public func status(of session: PostgresSession) async throws -> [SchemaMigrator.Status] {
        try await ledger(session).status
    }

    /// The migrations not yet applied, in the order they would run.
    public func pending(in session: PostgresSession) async throws -> [EmbeddedMigration] {
        try await ledger(session).pending()
    }

    /// Applies every pending migration; returns the names applied here. Refuses a database whose text does not sort in
    /// byte order (`ByteOrderRequired`) before changing anything.
    @discardableResult
    public func migrate(_ session: PostgresSession) async throws -> [String] {
        try await Self.requireByteOrder(session)
        var applied: [String] = []
        for migration in try await pending(in: session) {
            let ran = try await session.transaction {
                try await session.execute("SELECT pg_advisory_xact_lock(\(Self.schemaLock))")
                guard try await Self.recordedMigrations(session)[migration.name] == nil else { return false }
                try await session.executeScript(migration.sql)
                var binds = PostgresBindings()
                binds.append(migration.name)
                binds.append(Timestamp.now.description)
                try await session.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)", binds)
                return true
            }
            if ran { applied.append(migration.name) }
        }
        return applied
    }

    /// A database whose text comparisons are not byte order, as SQLite's are: keyset paging, unique names and the
    /// order of lists would differ between the engines (docs/postgres.md). Create it with
    /// `CREATE DATABASE parley TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'`.
    public struct ByteOrderRequired: Error, CustomStringConvertible {
        public let collation: String

        public var description: String {
            "the database sorts text by \(collation), not byte order; create it with CREATE DATABASE … TEMPLATE template0 "
                + "LC_COLLATE 'C' LC_CTYPE 'C' (and the libc locale provider)"
        }
    }

    /// Throws `ByteOrderRequired` unless the current database's default collation is `C`, `POSIX` or `C.UTF-8` from
    /// the libc provider (an ICU locale never sorts by bytes).
    static func requireByteOrder(_ session: PostgresSession) async throws {
        let row = try await session.rows(
            "SELECT datlocprovider::text, datcollate FROM pg_database WHERE datname = current_database()"
        ).first
        guard let (provider, collation) = try row?.decode((String, String).self) else { return }
        let byteOrder = ["C", "POSIX", "C.UTF-8", "C.utf8"]
        guard provider == "c", byteOrder.contains(collation) else {
            throw ByteOrderRequired(collation: provider == "i" ? "an ICU locale" : collation)
        }
    }

    /// Throws `SchemaMigrator.NewerDatabaseError` if the database has migrations this binary does not know.
    public func checkCompatible(_ session: PostgresSession) async throws {
        try await ledger(session).checkCompatible()
    }

    private func ledger(_ session: PostgresSession) async throws -> MigrationLedger {
        MigrationLedger(migrations: migrations, applied: try await appliedMigrations(session))
    }

    /// The names of the applied migrations and when, creating `schema_migrations` first if needed (as SQLite does).
    func appliedMigrations(_ session: PostgresSession) async throws -> [String: String] {
        if try await session.rows("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.decode(Bool.self) != true {
            // Under the lock: two nodes starting at once must not race on CREATE TABLE.
            try await session.transaction {
                try await session.execute("SELECT pg_advisory_xact_lock(\(Self.schemaLock))")
                try await session.execute("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        name       TEXT PRIMARY KEY NOT NULL,
                        applied_at TEXT NOT NULL
                    )
                    """)
            }
        }
        return try await Self.recordedMigrations(session)
    }

    /// The rows of `schema_migrations`, which must exist.
    static func recordedMigrations(_ session: PostgresSession) async throws -> [String: String] {
        var applied: [String: String] = [:]
        for row in try await session.rows("SELECT name, applied_at FROM schema_migrations") {
            let (name, date) = try row.decode((String, String).self)
            applied[name] = date
        }
        return applied
    }
}
