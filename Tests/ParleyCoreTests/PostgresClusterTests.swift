import Foundation
import PostgresTestSupport
import Testing

/// The private PostgreSQL cluster the PostgreSQL tests start: it comes up on its own socket and goes away entirely.
@Suite(.enabled(if: PostgresCluster.installedBinaries != nil, "PostgreSQL is not installed (apt-get install postgresql): skipped"))
struct PostgresClusterTests {
    @Test func startsAnswersAndStopsLeavingNothingBehind() throws {
        let cluster = try PostgresCluster.start()
        let folder = cluster.folder
        #expect(FileManager.default.fileExists(atPath: cluster.socketPath))
        #expect(try cluster.psql(database: "postgres", "SELECT 1 + 1") == "2")
        #expect(try cluster.psql(database: "postgres", "SHOW server_version_num").count >= 6)
        let url = try cluster.createDatabase("made_by_test")
        #expect(url.hasPrefix("postgres://parley@localhost/made_by_test?host=/"))
        #expect(try cluster.psql(database: "made_by_test", "SELECT current_database()") == "made_by_test")
        cluster.stop()
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test func twoClustersRunSideBySide() throws {
        let first = try PostgresCluster.start()
        defer { first.stop() }
        let second = try PostgresCluster.start()
        defer { second.stop() }
        try first.createDatabase("only_in_first")
        #expect(try first.psql(database: "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'only_in_first'") == "1")
        #expect(try second.psql(database: "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'only_in_first'") == "0")
    }
}
