import Foundation
import GRDB
import ParleyMigrations
import PostgresNIO
import PostgresTestSupport
import Testing
@testable import ParleyCore

/// The PostgreSQL migrations: embedded like SQLite's, the same names, and a migrated database holding the same tables
/// and columns as a migrated SQLite file.
@Suite struct PostgresMigrationFilesTests {
    @Test func everyPostgresFileIsEmbeddedInOrderWithTheSQLiteNames() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Migrations/pg").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(embeddedPostgresMigrations.map { "\($0.name).pg.sql" } == files)
        #expect(embeddedPostgresMigrations.map(\.name) == embeddedMigrations.map(\.name), "each SQLite migration needs its PostgreSQL twin")
        for migration in embeddedPostgresMigrations {
            let onDisk = try String(contentsOf: folder.appendingPathComponent("\(migration.name).pg.sql"), encoding: .utf8)
            #expect(migration.sql == onDisk, "the embedded \(migration.name) differs from the file")
        }
    }

    @Test func scriptsSplitOnlyBetweenStatements() {
        let script = """
            -- a comment; not a statement
            CREATE TABLE a (x TEXT DEFAULT 'a;b', "odd;name" INT);
            /* block; comment */
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
            SELECT $1, $body$ ; $body$;
            -- trailing comment
            """
        let statements = PostgresScript.statements(of: script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("CREATE TABLE a (x TEXT DEFAULT 'a;b', \"odd;name\" INT)"))
        #expect(statements[1].hasSuffix("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$"))
        #expect(statements[2] == "SELECT $1, $body$ ; $body$")
    }
}

@Suite(.enabled(if: PostgresCluster.installedBinaries != nil, "PostgreSQL is not installed (apt-get install postgresql): skipped"))
struct PostgresMigrationTests {
    /// Runs `body` on a fresh database of a private cluster.
    func withDatabase(_ body: (PostgresSession, PostgresCluster) async throws -> Void) async throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.stop() }
        let url = try cluster.createDatabase("parley")
        try await PostgresSession.with(try PostgresLocation(url: url)) { try await body($0, cluster) }
    }

    @Test func aDatabaseThatDoesNotSortByBytesIsRefusedAndLeftAlone() async throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.stop() }
        _ = try cluster.psql(
            database: "postgres", "CREATE DATABASE icu TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'")
        let url = cluster.url(database: "icu")
        try await PostgresSession.with(try PostgresLocation(url: url)) { session in
            await #expect(throws: PostgresMigrator.ByteOrderRequired.self) { try await PostgresMigrator().migrate(session) }
            // Nothing was created, not even the ledger.
            let ledgerMissing = try await session.rows("SELECT to_regclass('schema_migrations') IS NULL").first?.decode(Bool.self)
            #expect(ledgerMissing == true)
        }
    }

    @Test func migratesUpToTheLatestOnceAndReportsStatus() async throws {
        try await withDatabase { session, _ in
            let migrator = PostgresMigrator()
            #expect(try await migrator.status(of: session).allSatisfy { !$0.isApplied })
            #expect(try await migrator.migrate(session) == embeddedMigrations.map(\.name))
            let status = try await migrator.status(of: session)
            #expect(status.map(\.name) == embeddedMigrations.map(\.name))
            #expect(status.allSatisfy { $0.isApplied })
            #expect(try await migrator.migrate(session).isEmpty)
            #expect(try await migrator.pending(in: session).isEmpty)
        }
    }

    @Test func theSchemaHasSQLitesTablesColumnsIndexesAndViews() async throws {
        let sqlite = try Store.inMemory()
        try await SchemaMigrator().migrate(sqlite)
        let expected: [String] = try await sqlite.writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
                WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' ORDER BY 1
                """)
        }
        let expectedNames: [String] = try await sqlite.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY 1")
        }
        try await withDatabase { session, _ in
            try await PostgresMigrator().migrate(session)
            let columns = try await session.rows("""
                SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1
                """).map { try $0.decode(String.self) }
            #expect(columns.sorted() == expected.sorted())
            let names = Set(try await session.rows("""
                SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'
                UNION SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal
                UNION SELECT viewname::text FROM pg_views WHERE schemaname = 'public'
                """).map { try $0.decode(String.self) })
            #expect(Set(expectedNames).subtracting(names).isEmpty, "missing: \(Set(expectedNames).subtracting(names).sorted())")
        }
    }

    @Test func constraintsHoldAsInSQLite() async throws {
        try await withDatabase { session, cluster in
            try await PostgresMigrator().migrate(session)
            let account = "AC" + String(repeating: "0", count: 32)
            try cluster.psql(database: "parley", """
                INSERT INTO accounts (sid, friendly_name, auth_token, date_created, date_updated) VALUES ('\(account)', 'a', 't', 'd', 'd')
                """)
            // Bad JSON is a check violation, as json_valid() is in SQLite; a bad SID prefix too.
            #expect(throws: PostgresTestSupport.PostgresCluster.Failure.self) {
                try cluster.psql(database: "parley", """
                    INSERT INTO services (sid, account_sid, friendly_name, date_created, date_updated)
                    VALUES ('XX\(String(repeating: "0", count: 32))', '\(account)', 's', 'd', 'd')
                    """)
            }
            let service = "IS" + String(repeating: "0", count: 32)
            try cluster.psql(database: "parley", """
                INSERT INTO services (sid, account_sid, friendly_name, date_created, date_updated) VALUES ('\(service)', '\(account)', 's', 'd', 'd')
                """)
            do {
                try cluster.psql(database: "parley", """
                    INSERT INTO users (sid, service_sid, identity, attributes, date_created, date_updated)
                    VALUES ('US\(String(repeating: "0", count: 32))', '\(service)', 'alice', '{not json', 'd', 'd')
                    """)
                Issue.record("bad JSON was accepted")
            } catch let failure as PostgresCluster.Failure {
                #expect(failure.description.contains("users_attributes_check"), "\(failure)")
            }
        }
    }

    @Test func aDatabaseFromANewerParleyIsRefused() async throws {
        try await withDatabase { session, _ in
            try await PostgresMigrator().migrate(session)
            try await session.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future', 'x')")
            await #expect(throws: SchemaMigrator.NewerDatabaseError.self) { try await PostgresMigrator().pending(in: session) }
            await #expect(throws: SchemaMigrator.NewerDatabaseError.self) { try await PostgresMigrator().checkCompatible(session) }
        }
    }
}
