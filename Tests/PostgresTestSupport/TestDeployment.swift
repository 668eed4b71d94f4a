import Foundation
import ParleyCore

/// A test server's folder, laid out as `parley serve` lays out a deployment: its database (on SQLite the file
/// `parley.db` in the folder; on PostgreSQL a database of the shared test cluster whose URL the folder records), its
/// media folder and its push secrets' key file. A second server over the same folder restarts on the same data and
/// the same files, on either engine.
public struct TestDeployment: Sendable {
    public let directory: URL
    public let engine: TestEngine

    public init(directory: URL, engine: TestEngine = .current) {
        self.directory = directory
        self.engine = engine
    }

    /// The SQLite database file.
    public var sqlitePath: String { directory.appendingPathComponent("parley.db").path }

    /// The migrated store: the same database every time for one folder.
    public func migratedStore() async throws -> Store {
        guard engine == .postgres else { return try await TestEngine.migratedStore(sqlitePath: sqlitePath, engine: engine) }
        let record = directory.appendingPathComponent("postgres-url")
        if let url = try? String(contentsOf: record, encoding: .utf8) { return try TestEngine.postgresStore(url: url) }
        let url = try await TestEngine.freshPostgresDatabase()
        try Data(url.utf8).write(to: record)
        return try TestEngine.postgresStore(url: url)
    }

    /// Where media files live: `parley-media` in the folder, the default beside `parley.db` on SQLite, given
    /// explicitly because a PostgreSQL database has no file to put it beside.
    public var mediaDirectory: URL { directory.appendingPathComponent("parley-media", isDirectory: true) }

    /// The key file push secrets are sealed with: on SQLite Parley's default beside the database file, on PostgreSQL
    /// the folder's `parley.secrets-key` (what `parley serve --database` uses in its working folder).
    public var secretsKeyFile: String {
        engine == .postgres ? directory.appendingPathComponent("parley.secrets-key").path : sqlitePath + ".secrets-key"
    }

    /// The box to give `Parley(pushSecrets:)`: nil on SQLite, so the default (the file beside the database) is what the
    /// tests exercise; the folder's key file on PostgreSQL.
    public var pushSecrets: PushSecretBox? {
        engine == .postgres ? PushSecretBox(keyFile: secretsKeyFile) : nil
    }
}
