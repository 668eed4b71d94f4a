import ParleyMigrations

/// A database's applied migrations (its `schema_migrations` rows) weighed against those this binary knows: the status
/// list, what is pending, and the refusal of a database a newer Parley migrated. The same for both engines.
struct MigrationLedger {
    /// The known migrations, in order.
    let migrations: [EmbeddedMigration]
    /// Applied migration name → when.
    let applied: [String: String]

    /// Every known migration with its applied date, in order.
    var status: [SchemaMigrator.Status] {
        migrations.map { SchemaMigrator.Status(name: $0.name, appliedAt: applied[$0.name]) }
    }

    /// The migrations not yet applied, in order; throws `NewerDatabaseError` first if the database is newer.
    func pending() throws -> [EmbeddedMigration] {
        try checkCompatible()
        return migrations.filter { applied[$0.name] == nil }
    }

    /// Throws `SchemaMigrator.NewerDatabaseError` if the database has migrations this binary does not know.
    func checkCompatible() throws {
        let known = Set(migrations.map(\.name))
        let unknown = applied.keys.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty { throw SchemaMigrator.NewerDatabaseError(unknownMigrations: unknown) }
    }
}

extension Store {
    /// The migrations this binary knows and the database has not applied, through the store's own connections
    /// (readiness asks often); throws `SchemaMigrator.NewerDatabaseError` for a database a newer Parley migrated.
    public func pendingMigrations() async throws -> [EmbeddedMigration] {
        let known = isShared ? embeddedPostgresMigrations : embeddedMigrations
        let applied = try await read { tx in
            try tx.fetchAll(tx.statement("SELECT name, applied_at FROM schema_migrations")) { row in (row["name"] as String, row["applied_at"] as String) }
        }
        return try MigrationLedger(migrations: known.sorted { $0.name < $1.name }, applied: Dictionary(applied) { first, _ in first }).pending()
    }
}
