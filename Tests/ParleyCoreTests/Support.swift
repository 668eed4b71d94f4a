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

/// A migrated store with one account, and that account's principal.
func makeParley(path: String? = nil) async throws -> (Parley, Principal) {
    let store = try await TestEngine.migratedStore(sqlitePath: path)
    let parley = Parley(store: store)
    let account = try await parley.accounts.bootstrap().account
    return (parley, Principal(accountSid: account.sid, credentialSid: account.sid))
}
