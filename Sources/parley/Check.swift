import ArgumentParser
import Foundation
import ParleyCore
import ParleyMigrations

/// `parley check`: is this database sound and current? Exits 1 when not.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a database: integrity, foreign keys and migration status (exit status 1 on any problem).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let store: Store
        var problems: [String]
        if let location = try database.postgres() {
            // PostgreSQL checks its own pages and always enforces foreign keys: what is left to check is the schema.
            store = Store.connect(to: location, connections: 2)
            problems = try await pendingProblems { try await PostgresSession.with(location) { session in try await PostgresMigrator().bound(to: session).pending() } }
        } else {
            guard FileManager.default.fileExists(atPath: database.db) else { throw ValidationError("\(database.db): no such file") }
            store = try Store.open(path: database.db)
            problems = try await store.consistencyProblems()
            problems += try await pendingProblems { try await SchemaMigrator().pending(in: store) }
        }
        let counts = try await store.tableCounts()
        try await store.checkpointAndClose()
        print("integrity_check, foreign_key_check, migrations: \(problems.isEmpty ? "ok" : "\(problems.count) problem(s)")")
        for problem in problems { print("problem: \(problem)") }
        for table in ["conversations", "participants", "messages", "users", "media"] where counts[table] != nil {
            print("\(table): \(counts[table]!)")
        }
        if !problems.isEmpty { throw ExitCode(1) }
    }

    /// The migration problems: pending ones, or a database migrated by a newer Parley.
    private func pendingProblems(_ pending: () async throws -> [EmbeddedMigration]) async throws -> [String] {
        do {
            let pending = try await pending()
            return pending.isEmpty ? [] : ["pending migrations (run `parley migrate`): \(pending.map(\.name).joined(separator: ", "))"]
        } catch let error as SchemaMigrator.NewerDatabaseError {
            return [error.description]
        }
    }
}
