import Foundation
import ParleyCore

/// The private PostgreSQL cluster of one `--postgres` run: `initdb` into a temporary folder, the server listening only
/// on a Unix socket in that folder (no TCP port), `stop()` removes it all. Settings stay PostgreSQL's defaults (`fsync`
/// and `synchronous_commit` on), so a commit is as durable as SQLite's with `--durability full`.
///
/// PostgreSQL refuses to run as root: as root the server runs as Debian's `postgres` user through `runuser`. The bench
/// cannot use the tests' `PostgresCluster` (it turns `fsync` off, which would flatter PostgreSQL's figures).
struct BenchPostgres: Sendable {
    /// The temporary folder: data directory, socket and server log.
    let folder: URL
    /// `/usr/lib/postgresql/<version>/bin`.
    let binaries: URL
    /// Who runs the PostgreSQL programs, when the bench runs as root.
    let serverUser: String?

    /// PostgreSQL's major version, from the folder its programs are in.
    var version: String { binaries.deletingLastPathComponent().lastPathComponent }

    /// Creates and starts a fresh cluster; on failure nothing is left behind.
    static func start() throws -> BenchPostgres {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard
            let binaries = versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }).map({ root.appendingPathComponent("\($0)/bin") })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("pg_ctl").path) })
        else { throw BenchError("--postgres: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl); apt-get install postgresql") }
        let serverUser = getuid() == 0 ? "postgres" : nil
        if let serverUser, getpwnam(serverUser) == nil { throw BenchError("--postgres as root needs the '\(serverUser)' user to run the server") }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let cluster = BenchPostgres(folder: folder, binaries: binaries, serverUser: serverUser)
        do {
            if let serverUser, let owner = getpwnam(serverUser), chown(folder.path, owner.pointee.pw_uid, owner.pointee.pw_gid) != 0 {
                throw BenchError("chown \(folder.path) to \(serverUser) failed: errno \(errno)")
            }
            try cluster.run("initdb", ["-D", cluster.dataPath, "-U", "parley", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            try cluster.run("pg_ctl", [
                "-D", cluster.dataPath, "-l", cluster.logPath, "-w", "-t", "60",
                "-o", "-c listen_addresses='' -c unix_socket_directories='\(folder.path)'", "start",
            ])
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        return cluster
    }

    /// Creates an empty database (the cluster's C collation, as Parley requires) and returns its URL.
    func createDatabase(_ name: String) async throws -> String {
        try await PostgresSession.with(try PostgresLocation(url: url(database: "postgres"))) { session in
            try await session.execute("CREATE DATABASE \(name)")
        }
        return url(database: name)
    }

    /// Stops the server (fast shutdown) and removes the folder.
    func stop() {
        try? run("pg_ctl", ["-D", dataPath, "-m", "fast", "-w", "-t", "30", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }

    private func url(database: String) -> String { "postgres://parley@localhost/\(database)?host=\(folder.path)" }
    private var dataPath: String { folder.appendingPathComponent("data").path }
    private var logPath: String { folder.appendingPathComponent("server.log").path }

    /// Runs one of PostgreSQL's programs (as `serverUser` when set); its output goes into the error when it fails.
    ///
    /// It starts through `bash`, which closes every descriptor above 2 first: Foundation learns that a child ended from
    /// a descriptor the child inherits, and the server `pg_ctl start` leaves running would hold it for its whole life,
    /// so `waitUntilExit()` never returned. The output pipe is safe: `pg_ctl -l` sends the server's output to its log.
    private func run(_ program: String, _ arguments: [String]) throws {
        let command = (serverUser.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? []) + [binaries.appendingPathComponent(program).path] + arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then exec {fd}>&-; fi; done; exec "$@""#, "bench-postgres"] + command
        process.currentDirectoryURL = folder
        let output = Pipe()
        (process.standardOutput, process.standardError, process.standardInput) = (output, output, FileHandle.nullDevice)
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw BenchError("\(program) failed (\(process.terminationStatus)): \(text)\(log.isEmpty ? "" : "\nserver log:\n\(log)")")
        }
    }
}
