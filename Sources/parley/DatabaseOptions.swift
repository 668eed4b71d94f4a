import ArgumentParser
import Foundation
import ParleyCore

/// Where the data is: a SQLite file (`--db`, the default) or a PostgreSQL database several nodes share (`--database`).
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The SQLite database file.") var db = "parley.db"
    @Option(help: "A PostgreSQL database (postgres://user:password@host:port/name; ?host=/socket/folder for a Unix socket) to use instead of the SQLite file; nodes pointed at one database share it.")
    var database: String?

    /// The PostgreSQL location, when one is given.
    func postgres() throws -> PostgresLocation? {
        try database.map { text in
            do { return try PostgresLocation(url: text) } catch let error as PostgresLocation.InvalidURL { throw ValidationError(error.description) }
        }
    }

    /// The database named in messages (a PostgreSQL password hidden).
    var name: String { (try? postgres())?.description ?? db }

    /// The store, its schema migrated first (PostgreSQL: under the schema lock, so nodes starting together take turns).
    /// A database migrated by a newer Parley is refused.
    func migratedStore(durability: Store.Durability = .full) async throws -> (store: Store, applied: [String]) {
        do {
            if let location = try postgres() {
                let applied = try await PostgresSession.with(location) { session in try await PostgresMigrator().migrate(session) }
                return (Store.connect(to: location), applied)
            }
            let store = try Store.open(path: db, durability: durability)
            return (store, try await SchemaMigrator().migrate(store))
        } catch let error as SchemaMigrator.NewerDatabaseError {
            throw ValidationError("\(name): \(error.description)")
        } catch let error as PostgresFailure {
            throw ValidationError(error.description)
        } catch let error as PostgresMigrator.ByteOrderRequired {
            throw ValidationError(error.description)
        }
    }
}
