import GRDB
import ParleyMigrations

/// Applies the embedded SQL migrations in order, one transaction each, and records them in
/// `schema_migrations`. Forward-only: a database that has a migration this binary does not know
/// was written by a newer Parley, and is refused.
public struct SchemaMigrator: Sendable {
    /// A migration and whether it has been applied.
    public struct Status: Sendable, Equatable {
        public var name: String
        public var appliedAt: String?
        public var isApplied: Bool { appliedAt != nil }
    }

    /// The database holds migrations this binary does not know.
    public struct NewerDatabaseError: Error, CustomStringConvertible {
        public var unknownMigrations: [String]
        public var description: String {
            "the database was migrated by a newer Parley (unknown migrations: \(unknownMigrations.joined(separator: ", "))); "
                + "refusing to use it with this binary"
        }
    }

    public let migrations: [EmbeddedMigration]

    public init(migrations: [EmbeddedMigration] = embeddedMigrations) {
        self.migrations = migrations.sorted { $0.name < $1.name }
    }

    /// Every known migration with its applied date, in order.
    public func status(of store: Store) async throws -> [Status] {
        try await ledger(store).status
    }

    /// The migrations not yet applied, in the order they would run.
    public func pending(in store: Store) async throws -> [EmbeddedMigration] {
        try await ledger(store).pending()
    }

    /// Applies every pending migration; returns the names applied.
    @discardableResult
    public func migrate(_ store: Store) async throws -> [String] {
        let pending = try await pending(in: store)
        for migration in pending {
            try await store.writer.write { db in
                try db.execute(sql: migration.sql)
                try db.execute(
                    sql: "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    arguments: [migration.name, Timestamp.now.description])
            }
        }
        return pending.map(\.name)
    }

    /// Throws `NewerDatabaseError` if the database has migrations this binary does not know.
    public func checkCompatible(_ store: Store) async throws {
        try await ledger(store).checkCompatible()
    }

    private func ledger(_ store: Store) async throws -> MigrationLedger {
        MigrationLedger(migrations: migrations, applied: try await appliedMigrations(store))
    }

    private func appliedMigrations(_ store: Store) async throws -> [String: String] {
        try await store.writer.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name       TEXT PRIMARY KEY NOT NULL,
                    applied_at TEXT NOT NULL
                )
                """)
            let rows = try Row.fetchAll(db, sql: "SELECT name, applied_at FROM schema_migrations")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as String, $0["applied_at"] as String) })
        }
    }
}
