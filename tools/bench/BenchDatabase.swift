import Foundation
import ParleyCore

/// The database under test: a SQLite file in the run's folder, or a database on a private PostgreSQL cluster
/// (`--postgres`). Migrated and opened in-process, so the bench can prepare data before any server starts.
struct BenchDatabase: Sendable {
    /// The bench's own connection to it (preparing data, reading the outbox).
    let store: Store
    /// The `parley serve` arguments that point a node at it. On PostgreSQL they include the data folder and the key
    /// file, which every node sharing the database must share.
    let serverArguments: [String]
    /// What the report's first line says the figures are of.
    let label: String
    private let cluster: BenchPostgres?
    /// The cluster's stop, registered in case the bench is interrupted.
    private let interruptKey: Int?
    private let cleanup: InterruptCleanup?

    /// A SQLite file in `directory`, with the server's durability.
    static func sqlite(directory: URL, durability: Store.Durability) async throws -> BenchDatabase {
        let path = directory.appendingPathComponent("parley.db").path
        let store = try Store.open(path: path, durability: durability)
        try await SchemaMigrator().migrate(store)
        return BenchDatabase(
            store: store, serverArguments: ["--db", path, "--durability", durability.rawValue],
            label: "SQLite, --durability \(durability.rawValue)", cluster: nil, interruptKey: nil, cleanup: nil)
    }

    /// A fresh database on a private PostgreSQL cluster started for this run; `close()` removes the cluster, and so does
    /// `cleanup` if the bench is interrupted first.
    static func postgres(directory: URL, nodes: Int, cleanup: InterruptCleanup) async throws -> BenchDatabase {
        let cluster = try BenchPostgres.start()
        let interruptKey = cleanup.add { cluster.stop() }
        do {
            let url = try await cluster.createDatabase("parley")
            let location = try PostgresLocation(url: url)
            try await PostgresSession.with(location) { session in _ = try await PostgresMigrator().migrate(session) }
            let arguments = [
                "--database", url, "--data-dir", directory.appendingPathComponent("data").path,
                "--secrets-key-file", directory.appendingPathComponent("parley.secrets-key").path,
            ]
            return BenchDatabase(
                store: Store.connect(to: location), serverArguments: arguments,
                label: "PostgreSQL \(cluster.version) (fsync on), \(nodes == 1 ? "1 node" : "\(nodes) nodes on one database")", cluster: cluster,
                interruptKey: interruptKey, cleanup: cleanup)
        } catch {
            cleanup.remove(interruptKey)
            cluster.stop()
            throw error
        }
    }

    /// Closes the bench's connections and stops the PostgreSQL cluster, if any. Call after the servers have stopped.
    func close() async {
        try? await store.checkpointAndClose()
        if let interruptKey { cleanup?.remove(interruptKey) }
        cluster?.stop()
    }
}
