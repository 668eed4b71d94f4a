import Foundation
import GRDB
import ParleyMigrations
import Testing
@testable import ParleyCore

@Suite struct MigrationTests {
    @Test func everySQLFileInMigrationsIsEmbeddedInOrder() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Migrations/sql").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(embeddedMigrations.map { "\($0.name).sql" } == files)
        for migration in embeddedMigrations {
            let onDisk = try String(contentsOf: folder.appendingPathComponent("\(migration.name).sql"), encoding: .utf8)
            #expect(migration.sql == onDisk, "the embedded \(migration.name) differs from the file")
            #expect(migration.name.wholeMatch(of: /\d{4}_[a-z0-9_]+/) != nil)
        }
    }

    @Test func migrateAppliesEachMigrationOnceAndRecordsIt() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let store = try Store.open(path: database.path)
        let migrator = SchemaMigrator()
        #expect(try await migrator.status(of: store).allSatisfy { !$0.isApplied })
        let applied = try await migrator.migrate(store)
        #expect(applied == embeddedMigrations.map(\.name))
        #expect(try await migrator.migrate(store).isEmpty)
        #expect(try await migrator.status(of: store).allSatisfy(\.isApplied))
        #expect(try await migrator.pending(in: store).isEmpty)
    }

    @Test func aDatabaseFromANewerParleyIsRefused() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let store = try Store.open(path: database.path)
        try await SchemaMigrator().migrate(store)
        try await store.writer.write { db in
            try db.execute(sql: "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future', '2030-01-01T00:00:00Z')")
        }
        await #expect(throws: SchemaMigrator.NewerDatabaseError.self) { try await SchemaMigrator().checkCompatible(store) }
        await #expect(throws: SchemaMigrator.NewerDatabaseError.self) { try await SchemaMigrator().migrate(store) }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let store = try Store.inMemory()
        let broken = SchemaMigrator(migrations: embeddedMigrations + [brokenMigration])
        await #expect(throws: (any Error).self) { try await broken.migrate(store) }
        let status = try await broken.status(of: store)
        #expect(status.last?.isApplied == false)
        let leftover = try await store.writer.read { db in try db.tableExists("half_made") }
        #expect(!leftover)
    }

    @Test func upgradingToConversationEventsKeepsEachUsersEventsAndTheirSequence() async throws {
        let store = try Store.inMemory()
        try await SchemaMigrator(migrations: embeddedMigrations.filter { $0.name < "0008" }).migrate(store)
        let parley = Parley(store: store)
        _ = try await parley.accounts.bootstrap()
        let user = User(
            sid: "US" + String(repeating: "0", count: 32), serviceSid: "", identity: "alice", friendlyName: nil, attributes: "{}", roleSid: nil,
            dateCreated: .now, dateUpdated: .now)
        let payload = String(decoding: try JSONEncoder().encode(ChatEventResource.user(user)), as: UTF8.self)
        let serviceSid = try await store.writer.write { db in
            let serviceSid = try String.fetchOne(db, sql: "SELECT sid FROM services LIMIT 1")!
            try db.execute(
                sql: "INSERT INTO user_events VALUES (41, ?, 'alice', 'userUpdated', NULL, ?, ?)", arguments: [serviceSid, payload, Timestamp.now])
            try db.execute(sql: "UPDATE user_events_pruned SET through_seq = 40")
            return serviceSid
        }
        #expect(try await SchemaMigrator().migrate(store) == ["0008_conversation_events", "0009_sandbox_accounts", "0010_push"])
        #expect(try await parley.eventLog.latestSeq() == 41)
        guard case .events(let events) = try await parley.eventLog.replay(serviceSid: serviceSid, identity: "alice", after: 40) else {
            Issue.record("expected the event kept by the upgrade"); return
        }
        #expect(events.map(\.seq) == [41])
        #expect(events.first?.resource == .user(user))
    }

    @Test func upgradingGivesEachSandboxDeliveryTheAccountOfItsReceipt() async throws {
        let store = try Store.inMemory()
        try await SchemaMigrator(migrations: embeddedMigrations.filter { $0.name < "0009" }).migrate(store)
        let account = try await Parley(store: store).accounts.bootstrap().account
        try await store.writer.writeWithoutTransaction { db in
            let serviceSid = try String.fetchOne(db, sql: "SELECT sid FROM services LIMIT 1")!
            // The receipt's message is not needed to show the backfill: foreign keys off for these rows only.
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(
                sql: """
                    INSERT INTO delivery_receipts (sid, service_sid, conversation_sid, message_sid, participant_sid, date_created, date_updated)
                    VALUES ('DY' || printf('%032d', 1), ?, 'CH1', 'IM1', 'MB1', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')
                    """, arguments: [serviceSid])
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            for (sid, receipt) in [("SM1", "DY" + String(repeating: "0", count: 31) + "1"), ("SM2", "DY" + String(repeating: "9", count: 32))] {
                try db.execute(
                    sql: """
                        INSERT INTO sandbox_deliveries (sid, receipt_sid, channel, from_address, to_address, date_created)
                        VALUES (?, ?, 'sms', '+1', '+2', '2026-12-01T00:00:00Z')
                        """, arguments: [sid, receipt])
            }
        }
        #expect(try await SchemaMigrator().migrate(store) == ["0009_sandbox_accounts", "0010_push"])
        let accounts = try await store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT sid, account_sid FROM sandbox_deliveries ORDER BY sid").map { row -> String? in row["account_sid"] }
        }
        #expect(accounts == [account.sid, nil])  // a row whose receipt is gone is listed to no account
    }

    private var brokenMigration: EmbeddedMigration {
        EmbeddedMigration("9000_broken", Array("CREATE TABLE half_made (x); INSERT INTO no_such_table VALUES (1);".utf8))
    }
}
