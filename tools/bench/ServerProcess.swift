import Foundation

/// A `parley serve` child process on a temporary database, driven by the benchmark over loopback.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int

    /// Starts the server binary on the database `databaseArguments` name (`--db FILE` or `--database URL`); returns once
    /// it answers a request, with the time that took.
    static func start(
        binary: String, port: Int, databaseArguments: [String], credentials: (String, String), extraArguments: [String] = []
    ) async throws
        -> (ServerProcess, Duration)
    {
        let server = ServerProcess(port: port)
        server.process.executableURL = URL(fileURLWithPath: binary)
        // The webhook scenario's receiver listens on 127.0.0.1, which the outbound policy refuses unless allowed.
        server.process.arguments = ["serve", "--port", String(port), "--allow-private-targets", "127.0.0.1"] + databaseArguments + extraArguments
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_ACCOUNT_SID"] = credentials.0
        environment["PARLEY_AUTH_TOKEN"] = credentials.1
        server.process.environment = environment
        server.process.standardOutput = FileHandle.nullDevice
        server.process.standardError = FileHandle.nullDevice
        let started = ContinuousClock.now
        try server.process.run()
        let probe = LoadClient(port: port, credentials: credentials, concurrency: 1)
        defer { Task { try? await probe.shutdown() } }
        // A debug build on PostgreSQL takes longer to come up than a release build on SQLite: allow 10 s.
        while ContinuousClock.now - started < .seconds(10) {
            guard server.process.isRunning else {
                throw BenchError("the server exited with status \(server.process.terminationStatus) before answering (run its command by hand to see why)")
            }
            if (try? await probe.get("/v1/Configuration"))?.status == 200 { return (server, ContinuousClock.now - started) }
            try await Task.sleep(for: .milliseconds(5))
        }
        server.stop()
        throw BenchError("the server on port \(port) did not answer within 10 s")
    }

    private init(port: Int) {
        self.port = port
    }

    /// Resident memory of the server process, in bytes (from /proc).
    var residentBytes: Double {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kilobytes * 1024
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
