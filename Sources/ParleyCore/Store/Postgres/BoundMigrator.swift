import ParleyMigrations

/// A migrator bound to one database of either engine, so `parley migrate` lists, previews and applies both alike.
public struct BoundMigrator: Sendable {
    public let status: @Sendable () async throws -> [SchemaMigrator.Status]
    public let pending: @Sendable () async throws -> [EmbeddedMigration]
    public let migrate: @Sendable () async throws -> [String]
    public let checkCompatible: @Sendable () async throws -> Void
}

extension SchemaMigrator {
    /// This migrator over the SQLite `store`.
    public func bound(to store: Store) -> BoundMigrator {
        BoundMigrator(
            status: { try await status(of: store) }, pending: { try await pending(in: store) },
            migrate: { try await migrate(store) }, checkCompatible: { try await checkCompatible(store) })
    }
}

extension PostgresMigrator {
    /// This migrator over the PostgreSQL `session`.
    public func bound(to session: PostgresSession) -> BoundMigrator {
        BoundMigrator(
            status: { try await status(of: session) }, pending: { try await pending(in: session) },
            migrate: { try await migrate(session) }, checkCompatible: { try await checkCompatible(session) })
    }
}
