import ArgumentParser
import ParleyCore

/// `parley migrate`: apply, list or preview the embedded schema migrations.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations to a database (or list / preview them).")

    @Option(help: "The SQLite database file.") var db = "parley.db"
    @Option(help: "A PostgreSQL database (postgres://user:password@host:port/name) to migrate instead of the SQLite file.")
    var database: String?
    @Flag(help: "List applied and pending migrations; change nothing.") var status = false
    @Flag(help: "Print the SQL of the pending migrations; change nothing.") var dryRun = false

    func run() async throws {
        if let database {
            try await PostgresSession.with(try PostgresLocation(url: database)) { session in
                try await run(PostgresMigrator().bound(to: session))
            }
        } else {
            try await run(SchemaMigrator().bound(to: try Store.open(path: db)))
        }
    }

    private func run(_ migrator: BoundMigrator) async throws {
        if status {
            for migration in try await migrator.status() {
                print("\(migration.isApplied ? "applied" : "pending")  \(migration.name)\(migration.appliedAt.map { "  \($0)" } ?? "")")
            }
            do { try await migrator.checkCompatible() } catch let error as SchemaMigrator.NewerDatabaseError {
                throw ValidationError(error.description)
            }
            return
        }
        do {
            if dryRun {
                let pending = try await migrator.pending()
                if pending.isEmpty { print("-- nothing to apply") }
                for migration in pending {
                    print("-- \(migration.name)\nBEGIN;\n\(migration.sql)\nINSERT INTO schema_migrations (name, applied_at) VALUES ('\(migration.name)', <now>);\nCOMMIT;\n")
                }
                return
            }
            let applied = try await migrator.migrate()
            print(applied.isEmpty ? "Database is up to date." : "Applied: \(applied.joined(separator: ", "))")
        } catch let error as SchemaMigrator.NewerDatabaseError {
            throw ValidationError(error.description)
        }
    }
}
