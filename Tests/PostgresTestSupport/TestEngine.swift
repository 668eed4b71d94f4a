import Foundation
import ParleyCore
import Synchronization

/// The engine the suite's stores run on: SQLite unless `PARLEY_TEST_ENGINE=postgres`, which gives each store a fresh
/// database in one private cluster shared by the whole test process (made from a migrated template, so a store costs
/// a `CREATE DATABASE`, not a migration). Tests about one engine's own features (a SQLite file's backup, WAL,
/// PRAGMAs) open their store directly and run on that engine either way.
public enum TestEngine: String, Sendable {
    case sqlite
    case postgres

    public static let current = TestEngine(rawValue: ProcessInfo.processInfo.environment["PARLEY_TEST_ENGINE"] ?? "sqlite") ?? .sqlite

    /// A migrated, empty store on `engine` (the suite's unless a test needs one engine's own features): on SQLite the
    /// file at `sqlitePath` (in memory when nil), on PostgreSQL a new database.
    public static func migratedStore(sqlitePath: String?, engine: TestEngine = current) async throws -> Store {
        switch engine {
        case .sqlite:
            let store = try sqlitePath.map { try Store.open(path: $0) } ?? Store.inMemory()
            try await SchemaMigrator().migrate(store)
            return store
        case .postgres:
            return try postgresStore(url: try await SharedTestCluster.shared.freshDatabase())
        }
    }

    /// A store on the (migrated) PostgreSQL database at `url`, with the connections every test store has.
    public static func postgresStore(url: String) throws -> Store {
        // A loaded test machine (two cores, suites in parallel) can keep a request from a connection for seconds.
        Store.connect(to: try PostgresLocation(url: url), connections: 8, acquireTimeout: .seconds(30))
    }

    /// The URL of a new, migrated PostgreSQL database in the shared cluster (for tests that start nodes themselves).
    public static func freshPostgresDatabase() async throws -> String {
        try await SharedTestCluster.shared.freshDatabase()
    }
}

/// The test process's one PostgreSQL cluster, started on first need and stopped when the process exits.
actor SharedTestCluster {
    static let shared = SharedTestCluster()
    /// The running cluster, for the exit handler (a C function pointer captures nothing).
    private static let running = Mutex<PostgresCluster?>(nil)
    private static let template = "parley_template"
    private var starting: Task<PostgresCluster, any Error>?

    func freshDatabase() async throws -> String {
        let cluster = try await started()
        let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        try cluster.psql(database: "postgres", "CREATE DATABASE \(name) TEMPLATE \(Self.template)")
        return cluster.url(database: name)
    }

    private func started() async throws -> PostgresCluster {
        if let starting { return try await starting.value }
        let task = Task {
            let cluster = try PostgresCluster.start(maxConnections: 400)
            Self.running.withLock { $0 = cluster }
            atexit { SharedTestCluster.running.withLock { $0?.stop() } }
            let url = try cluster.createDatabase(Self.template)
            _ = try await PostgresSession.with(try PostgresLocation(url: url)) { session in try await PostgresMigrator().migrate(session) }
            return cluster
        }
        starting = task
        return try await task.value
    }
}
