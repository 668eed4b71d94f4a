import Foundation
import GRDB
@testable import ParleyCore
import Testing

@Suite struct BackupTests {
    /// Given a store taking message writes from several tasks, when backups are taken in the middle,
    /// then each backup passes the integrity and foreign-key checks and is a consistent snapshot:
    /// every conversation's indices run 0..<count with none missing, and each message has its event rows.
    @Test func backupWhileWritingIsAConsistentSnapshot() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let (parley, principal) = try await makeSQLiteParley(path: database.path)
        var changes = ConversationService.Changes()
        changes.friendlyName = "busy"
        let conversations = [
            try await parley.conversations.create(principal, .defaultService, changes).sid,
            try await parley.conversations.create(principal, .defaultService, changes).sid,
        ]
        let perWriter = 150
        let backups = (1...3).map { database.directory.appendingPathComponent("backup-\($0).db").path }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for number in 0..<perWriter {
                        var message = MessageService.Changes()
                        message.author = "writer-\(writer)"
                        message.body = "message \(number)"
                        _ = try await parley.messages.create(principal, .defaultService, conversation: conversations[writer % 2], message)
                    }
                }
            }
            group.addTask {
                for backup in backups {
                    try await parley.store.backup(to: backup)
                    await Task.yield()
                }
            }
            try await group.waitForAll()
        }
        var backedUp: [Int] = []
        for backup in backups {
            #expect(!FileManager.default.fileExists(atPath: backup + ".partial"))
            let copy = try Store.open(path: backup)
            #expect(try await copy.consistencyProblems() == [])
            let rows = try await copy.writer.read { db in
                try Row.fetchAll(db, sql: #"SELECT conversation_sid, count(*) AS n, min("index") AS lo, max("index") AS hi, count(DISTINCT "index") AS d FROM messages GROUP BY conversation_sid"#)
            }
            for row in rows {
                let count: Int = row["n"]
                #expect(row["lo"] as Int == 0)
                #expect(row["hi"] as Int == count - 1)
                #expect(row["d"] as Int == count)
            }
            backedUp.append(rows.reduce(0) { $0 + ($1["n"] as Int) })
            try await copy.checkpointAndClose()
        }
        #expect(backedUp.allSatisfy { $0 <= 4 * perWriter })
        let total = try await parley.store.tableCounts()["messages"]
        #expect(total == 4 * perWriter)
        let mode = try FileManager.default.attributesOfItem(atPath: backups[0])[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// A restore refuses to replace a database another connection has open, and replaces it once closed.
    @Test func restoreRefusesADatabaseInUse() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let (parley, _) = try await makeSQLiteParley(path: database.path)
        let backup = database.directory.appendingPathComponent("copy.db").path
        try await parley.store.backup(to: backup)
        let target = database.directory.appendingPathComponent("target.db").path
        try Store.restore(from: backup, to: target, overwrite: false)
        #expect(throws: Store.RestoreError.self) { try Store.restore(from: backup, to: target, overwrite: false) }

        let inUse = try Store.open(path: target)
        _ = try await inUse.tableCounts()
        #expect(throws: Store.RestoreError.self) { try Store.restore(from: backup, to: target, overwrite: true) }
        try await inUse.checkpointAndClose()
        try Store.restore(from: backup, to: target, overwrite: true)

        let restored = try Store.open(path: target)
        #expect(try await restored.consistencyProblems() == [])
        #expect(try await restored.tableCounts()["accounts"] == 1)
        try await restored.checkpointAndClose()
    }

    /// A new database file is readable by its owner only.
    @Test func databaseFileIsOwnerOnly() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let store = try Store.open(path: database.path)
        try await SchemaMigrator().migrate(store)
        for suffix in ["", "-wal"] {
            let mode = try FileManager.default.attributesOfItem(atPath: database.path + suffix)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(suffix)")
        }
        try await store.checkpointAndClose()
        #expect(!FileManager.default.fileExists(atPath: database.path + "-wal"))
    }
}
