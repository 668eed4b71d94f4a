import ArgumentParser
import ParleyCore

/// `parley copy`: moves a SQLite deployment's rows into an empty, migrated PostgreSQL database (docs/postgres.md).
struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy every row of a SQLite database (stopped or running) into an empty, migrated PostgreSQL database.",
        discussion: """
            Reads one consistent snapshot of the SQLite file and writes it in one transaction, then compares the row \
            counts of every table and a sample of rows; any difference rolls the copy back. Refuses a PostgreSQL \
            database that already holds rows, or one at another migration (run `parley migrate` on both first).
            """)

    @Option(help: "The SQLite database file to read.") var from = "parley.db"
    @Option(help: "The PostgreSQL database to fill (postgres://user:password@host:port/name).") var to: String
    @Option(help: "Rows per INSERT.") var batchSize = 500

    func run() async throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        let location = try PostgresLocation(url: to)
        let report: SQLiteToPostgresCopy.Report
        do {
            report = try await PostgresSession.with(location) { session in
                try await SQLiteToPostgresCopy(batchSize: batchSize).run(from: from, to: session) { print("  \($0)") }
            }
        } catch let refusal as SQLiteToPostgresCopy.Refusal {
            throw ValidationError("nothing copied: \(refusal.description)")
        }
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        print("Copied \(rows) rows in \(report.tables.count) tables from \(from) to \(location) (schema \(report.schemaVersion)); "
            + "counts equal, \(report.sampledRows) sampled rows identical.")
    }
}
