import Foundation
import PostgresTestSupport
@testable import ParleyCore

/// A fresh database file in a temporary folder (WAL matters here), removed by `cleanUp`.
struct TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("parley.db").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A migrated store of the suite's engine with one account, and that account's principal: on SQLite the file at
/// `path` (in memory when nil), on PostgreSQL a fresh database.
func makeParley(path: String? = nil) async throws -> (Parley, Principal) {
    try await parleyWithAccount(on: TestEngine.migratedStore(sqlitePath: path))
}

/// The same on SQLite whatever the suite's engine, for tests of SQLite's own features (group commit, the online
/// backup, query plans).
func makeSQLiteParley(path: String? = nil) async throws -> (Parley, Principal) {
    try await parleyWithAccount(on: TestEngine.migratedStore(sqlitePath: path, engine: .sqlite))
}

private func parleyWithAccount(on store: Store) async throws -> (Parley, Principal) {
    let parley = Parley(store: store)
    let account = try await parley.accounts.bootstrap().account
    return (parley, Principal(accountSid: account.sid, credentialSid: account.sid))
}
