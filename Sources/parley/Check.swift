import ArgumentParser
import Foundation
import ParleyCore

/// `parley check`: is this database sound and current? Exits 1 when not.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a database: integrity, foreign keys and migration status (exit status 1 on any problem).")

    @Option(help: "The SQLite database file.") var db = "parley.db"

    func run() async throws {
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("\(db): no such file") }
        let store = try Store.open(path: db)
        var problems = try await store.consistencyProblems()
        do {
            let pending = try await SchemaMigrator().pending(in: store)
            if !pending.isEmpty { problems.append("pending migrations (run `parley migrate`): \(pending.map(\.name).joined(separator: ", "))") }
        } catch let error as SchemaMigrator.NewerDatabaseError {
            problems.append(error.description)
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
}
