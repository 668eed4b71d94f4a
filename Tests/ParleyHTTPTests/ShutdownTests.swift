import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyCore
import Testing
import WSClient

#if canImport(Glibc)
    import Glibc
#endif

/// The real `parley serve` binary (built beside the tests by `swift build --build-tests` / `swift test`) in a subprocess.
final class ServerProcess: @unchecked Sendable {
    let directory: URL
    let process = Process()
    let logFile: URL
    var database: String { directory.appendingPathComponent("parley.db").path }
    private(set) var port = 0

    static var binary: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("parley"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug/parley"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    init(binary: URL) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logFile = directory.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.executableURL = binary
        process.arguments = ["serve", "--db", database, "--port", "0"]
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_ACCOUNT_SID"] = TestCredentials.accountSid
        environment["PARLEY_AUTH_TOKEN"] = TestCredentials.authToken
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Starts the server and waits (up to a minute) for its "listening" line.
    func start() async throws {
        try process.run()
        for _ in 0..<600 {
            if let match = log.firstMatch(of: /listening on [^\s:]+:(\d+)/), let port = Int(match.1) {
                self.port = port
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerDidNotStart(log: log)
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit; returns its status.
    func waitForExit() async throws -> Int32 {
        for _ in 0..<600 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { signal(SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func cleanUp() {
        if process.isRunning { signal(SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }
}

struct ServerDidNotStart: Error, CustomStringConvertible {
    let log: String
    var description: String { "parley serve did not start:\n\(log)" }
}

@Suite(.serialized) struct ShutdownTests {
    /// SIGTERM: open chat sockets are closed with 1001 "server shutting down", the server stops, the WAL is
    /// checkpointed and the database closed (no -wal file left), and the process exits 0, in that order.
    @Test func sigtermClosesSocketsThenTheDatabase() async throws {
        let binary = try #require(ServerProcess.binary, "build the parley executable first (swift build)")
        let server = try ServerProcess(binary: binary)
        defer { server.cleanUp() }
        try await server.start()

        // Some writes through the server, so the WAL has content.
        let client = TestClient(host: "127.0.0.1", port: server.port)
        client.connect()
        let credentials = "Basic " + Data("\(TestCredentials.accountSid):\(TestCredentials.authToken)".utf8).base64EncodedString()
        let created = try await client.execute(.init(
            "/v1/Conversations", method: .post,
            headers: [.authorization: credentials, .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "FriendlyName=before")))
        #expect(created.status == .created)
        try await client.shutdown()

        // A chat user's token, minted with a key written to the same database.
        let side = try Store.open(path: server.database)
        let parley = Parley(store: side)
        let key = try await parley.accessTokens.signingKey(accountSid: TestCredentials.accountSid)
        let token = try await parley.accessTokens.mintAccessToken(apiKey: key, identity: "alice")
        try await side.checkpointAndClose()

        var logger = Logger(label: "shutdown-test")
        logger.logLevel = .warning
        let close = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/client/v1/socket?token=\(token)", logger: logger) {
            inbound, _, _ in
            var frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            _ = try await frames.next()  // "connected"
            server.signal(SIGTERM)
            while try await frames.next() != nil {}
        }
        #expect(close?.closeCode == .goingAway)
        #expect(close?.reason == "server shutting down")

        let status = try await server.waitForExit()
        let log = server.log
        #expect(status == 0, "\(log)")
        let wal = server.database + "-wal"
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        #expect(walBytes == 0)
        let order = ["closing chat sockets", "server stopped", "database closed"].map { log.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil }, "\(log)")
        if order.allSatisfy({ $0 != nil }) { #expect(order[0]! < order[1]! && order[1]! < order[2]!) }

        let reopened = try Store.open(path: server.database)
        #expect(try await reopened.consistencyProblems() == [])
        #expect(try await reopened.tableCounts()["conversations"] == 1)
        try await reopened.checkpointAndClose()
    }

    /// A request in flight when SIGTERM arrives still gets its answer, and its write is in the database.
    /// The request is held in flight by another process holding SQLite's write lock until after the signal.
    @Test func sigtermLetsAnInFlightRequestFinish() async throws {
        let binary = try #require(ServerProcess.binary, "build the parley executable first (swift build)")
        let server = try ServerProcess(binary: binary)
        defer { server.cleanUp() }
        try await server.start()

        // Another connection takes the write lock, on a thread of its own, until `release` is signalled.
        let blocker = try DatabaseQueue(path: server.database)
        let held = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? blocker.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                held.signal()
                release.wait()
                try db.execute(sql: "COMMIT")
            }
        }
        held.wait()
        let client = TestClient(host: "127.0.0.1", port: server.port)
        client.connect()
        let credentials = "Basic " + Data("\(TestCredentials.accountSid):\(TestCredentials.authToken)".utf8).base64EncodedString()
        let inFlight = Task {
            try await client.execute(.init(
                "/v1/Conversations", method: .post,
                headers: [.authorization: credentials, .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "FriendlyName=in-flight")))
        }
        // Let the request reach the locked database. A connection whose first request has not been read when the
        // signal comes is closed as idle, so give a loaded machine time.
        try await Task.sleep(for: .seconds(1))
        server.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))  // let the shutdown begin while the request waits
        release.signal()

        let response = try await inFlight.value
        #expect(response.status == .created)
        try await client.shutdown()
        let status = try await server.waitForExit()
        #expect(status == 0, "\(server.log)")
        let reopened = try Store.open(path: server.database)
        #expect(try await reopened.tableCounts()["conversations"] == 1)
        try await reopened.checkpointAndClose()
    }
}
