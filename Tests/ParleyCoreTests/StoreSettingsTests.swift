import GRDB
import Testing
@testable import ParleyCore

@Suite struct StoreSettingsTests {
    @Test func fileStoresUseWALFullSyncForeignKeysAndABusyTimeout() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let store = try Store.open(path: database.path)
        #expect(try await store.writerPragma("journal_mode") == "wal")
        #expect(try await store.writerPragma("synchronous") == "2")  // FULL
        #expect(try await store.writerPragma("foreign_keys") == "1")
        #expect(try await store.writerPragma("busy_timeout") == "5000")
    }

    @Test func normalDurabilityIsAnExplicitChoice() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let store = try Store.open(path: database.path, durability: .normal)
        #expect(try await store.writerPragma("synchronous") == "1")
    }
}
