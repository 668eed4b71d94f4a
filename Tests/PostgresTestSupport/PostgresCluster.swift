import Foundation

/// A private PostgreSQL cluster for one test: `initdb` into a temporary folder, `pg_ctl start` listening only on a
/// Unix socket in that folder (no TCP port, so parallel tests never collide), `stop()` removes it all.
///
/// PostgreSQL refuses to run as root; when the tests run as root (CI in a fresh Debian) the server runs as the
/// `postgres` user the Debian package creates (or `nobody`), through `runuser`. Works as any other user too. The superuser is `parley`, trusted
/// without a password (the socket is reachable only through the private folder).
public final class PostgresCluster: Sendable {
    /// Why a cluster could not be started or used.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The temporary folder holding the data directory, the socket and the server log.
    public let folder: URL
    /// The folder of `initdb`, `pg_ctl` and `psql`.
    public let binaries: URL
    private let serverUser: String?
    private let maxConnections: Int

    /// The superuser the tests connect as.
    public let user = "parley"
    /// The folder holding the server's socket (`.s.PGSQL.5432`).
    public var socketDirectory: String { folder.path }
    /// The server's Unix socket.
    public var socketPath: String { folder.appendingPathComponent(".s.PGSQL.5432").path }

    /// The newest `/usr/lib/postgresql/*/bin` holding `initdb` and `pg_ctl`; nil when PostgreSQL is not installed.
    public static var installedBinaries: URL? {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { root.appendingPathComponent($0).appendingPathComponent("bin") }
            .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("pg_ctl").path) }
    }

    /// Why PostgreSQL tests cannot run here, or nil when they can (for `.enabled(if:)` / `.disabled(...)` traits).
    public static var unavailableReason: String? {
        installedBinaries == nil
            ? "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): apt-get install postgresql" : nil
    }

    private init(folder: URL, binaries: URL, serverUser: String?, maxConnections: Int) {
        self.folder = folder
        self.binaries = binaries
        self.serverUser = serverUser
        self.maxConnections = maxConnections
    }

    /// Creates and starts a fresh cluster; throws when PostgreSQL is missing or does not start.
    public static func start(maxConnections: Int = 40) throws -> PostgresCluster {
        guard let binaries = installedBinaries else { throw Failure(description: unavailableReason ?? "no PostgreSQL") }
        let candidates: [String] = ["postgres", "nobody"]
        let serverUser = getuid() == 0 ? candidates.first { name in getpwnam(name) != nil } : nil
        let folder = try makeFolder(ownedBy: serverUser)
        let cluster = PostgresCluster(folder: folder, binaries: binaries, serverUser: serverUser, maxConnections: maxConnections)
        do {
            try cluster.run("initdb", ["-D", cluster.dataPath, "-U", cluster.user, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            try cluster.restart()
        } catch {
            cluster.remove()
            throw error
        }
        return cluster
    }

    /// `postgres://` URL of `database` on this cluster, the socket folder given as libpq's `host` parameter.
    public func url(database: String) -> String {
        "postgres://\(user)@localhost/\(database)?host=\(socketDirectory)"
    }

    /// Creates an empty database; returns its URL.
    @discardableResult
    public func createDatabase(_ name: String) throws -> String {
        try psql(database: "postgres", "CREATE DATABASE \"\(name)\"")
        return url(database: name)
    }

    /// Runs `sql` with `psql` (unaligned, tuples only) and returns its output, for checks from outside Parley.
    @discardableResult
    public func psql(database: String, _ sql: String) throws -> String {
        try run("psql", ["-h", socketDirectory, "-U", user, "-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    /// Stops the server (fast shutdown) and removes the folder.
    public func stop() {
        try? stopServer()
        remove()
    }

    /// Stops the server (fast shutdown: sessions are ended, open transactions rolled back) and keeps its data, as an
    /// outage would; `restart()` brings it back.
    public func stopServer() throws {
        try run("pg_ctl", ["-D", dataPath, "-m", "fast", "-w", "-t", "30", "stop"])
    }

    /// Starts the server on its data folder (again, after `stopServer()`), on the same socket.
    public func restart() throws {
        try run("pg_ctl", [
            "-D", dataPath, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "60",
            "-o", "-c listen_addresses='' -c unix_socket_directories='\(folder.path)' -c fsync=off -c max_connections=\(maxConnections)",
            "start",
        ])
    }

    private var dataPath: String { folder.appendingPathComponent("data").path }

    private func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs one of the PostgreSQL binaries (as the server user when root) and returns its standard output.
    ///
    /// The tool starts through `bash`, which first closes every descriptor above 2: a test process has other tests'
    /// pipes open, and a server started by `pg_ctl` would otherwise keep their write ends for its whole life, so their
    /// readers never saw end-of-file. Output goes to files, not pipes, for the same reason.
    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let executable = binaries.appendingPathComponent(tool).path
        let command = (serverUser.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? []) + [executable] + arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            "-c", #"for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done; exec "$@""#,
            "run-postgres",
        ] + command
        process.currentDirectoryURL = folder
        let name = UUID().uuidString
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("parley-pg-\(name).out")
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("parley-pg-\(name).err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        let output = try FileHandle(forWritingTo: outputFile)
        let errors = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? output.close()
        try? errors.close()
        let out = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let err = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOf: folder.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            throw Failure(description: "\(tool) failed (\(process.terminationStatus)): \(out)\(err)\(log.isEmpty ? "" : "\nserver log:\n\(log)")")
        }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A fresh temporary folder, mode 0700, owned by `user` when given.
    private static func makeFolder(ownedBy user: String?) throws -> URL {
        var template = Array(FileManager.default.temporaryDirectory.appendingPathComponent("parley-pg-XXXXXX").path.utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure(description: "mkdtemp failed: errno \(errno)")
        }
        let path = String(cString: made)
        if let user, let entry = getpwnam(user) {
            guard chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
                throw Failure(description: "chown \(path) to \(user) failed: errno \(errno)")
            }
        }
        return URL(fileURLWithPath: path)
    }
}
