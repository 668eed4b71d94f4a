import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyCore
import ParleyHTTP
import PostgresTestSupport
import Synchronization
import Testing

/// PostgreSQL stopped under a serving node, then started again: requests answer 503 with Twilio's error body within
/// the connection wait (no hang), `/readyz` says why, an open chat socket stays open or closes cleanly, and once
/// PostgreSQL is back the node recovers by itself, without a restart: writes, readiness, the socket, and a webhook
/// row written before the outage, which is delivered, not lost. Each test owns its cluster, since it stops it.
@Suite(.enabled(if: PostgresCluster.unavailableReason == nil, "needs PostgreSQL (apt-get install postgresql)"))
struct PostgresOutageTests {
    /// A row answered 500 stays pending through the outage (never `failed`), with 3 s between attempts for the outage
    /// to begin while no attempt is under way (an attempt cut short by the outage keeps its row leased for minutes).
    static let patientWebhooks = WebhookSettings(
        timeout: .milliseconds(1500), backoff: Backoff(base: 3, cap: 3, maxAttempts: 1000), maximumConcurrent: 4, pollInterval: .milliseconds(200))

    @Test(.timeLimit(.minutes(3)))
    func postgresStoppedWhileServingAnswers503AndRecoversWithoutARestart() async throws {
        try await withWebhookReceiver { receiver in
            let receiverHealthy = Flag()
            receiver.answer("/hook/outage") { _ in ReceiverAnswer(status: receiverHealthy.isSet ? 200 : 500) }
            try await withOwnPostgresParley { cluster, api, sockets in
                try await api.sendMessageAddedWebhooks(to: receiver.url("/hook/outage"))
                let conversation = try await api.makeConversation()
                #expect(try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")]).status == .created)
                let messages = "/v1/Conversations/\(conversation)/Messages"
                let probe = api.authenticated(as: nil)

                let heard = SocketLog()
                try await sockets.connect(as: "alice") { socket in
                    _ = try await socket.frames(until: "connected")
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        // A client keeps reading its socket (which also answers the server's pings).
                        group.addTask { await heard.follow(socket) }

                        #expect(try await api.postFiring(messages, [("Author", "alice"), ("Body", "before")]).status == .created)
                        try await waitUntil { heard.bodies.contains("before") }
                        // The receiver refuses the row's first attempt: it stays pending, due again 3 s after that is recorded.
                        try await receiver.wait(for: 1, to: "/hook/outage")
                        try await waitUntil {
                            try await api.get("/v1/Webhooks/Failures", [("Status", "pending")]).records.first?["attempts"] as? Int == 1
                        }

                        try cluster.stopServer()

                        Self.expectUnavailable(try await within(20) { try await api.post(messages, [("Author", "alice"), ("Body", "in the outage")]) })
                        Self.expectUnavailable(try await within(20) { try await api.get(messages) })
                        let unready = try await within(20) { try await probe.get("/readyz") }
                        #expect(unready.status == .serviceUnavailable)
                        let problems = unready.json["problems"] as? [String] ?? []
                        #expect(problems.contains { $0.contains("database not writable") && $0.contains("PostgreSQL") }, "\(unready.text)")
                        // Said once: the migration check does not wait out a second connection timeout to say it again.
                        #expect(!problems.contains { $0.contains("migration status") }, "\(unready.text)")
                        #expect(heard.failure == nil, "the socket stays open or closes cleanly: \(heard.failure ?? "")")

                        try cluster.restart()
                        receiverHealthy.set()

                        try await waitUntil { try await api.post(messages, [("Author", "alice"), ("Body", "recovered")]).status == .created }
                        try await waitUntil { try await probe.get("/readyz").status == .ok }
                        #expect(try await api.get(messages).status == .ok)
                        // The row written before the outage is delivered now that the receiver says 200.
                        try await waitUntil { try await api.get("/v1/Webhooks/Failures", [("Status", "delivered")]).records.count == 1 }
                        #expect(receiver.requests(to: "/hook/outage").allSatisfy { $0["Body"] == "before" })

                        if !heard.closed {
                            #expect(try await api.post(messages, [("Author", "alice"), ("Body", "after")]).status == .created)
                            try await waitUntil { heard.bodies.contains("after") }
                        }
                        try await socket.outbound.close(.normalClosure, reason: nil)  // ends the reader
                        try await group.waitForAll()
                    }
                }
                #expect(heard.failure == nil, "\(heard.failure ?? "")")
                if !heard.bodies.contains("after") {
                    // The socket closed in the outage: a new one hears new messages.
                    try await sockets.connect(as: "alice") { socket in
                        _ = try await socket.frames(until: "connected")
                        #expect(try await api.post(messages, [("Author", "alice"), ("Body", "after")]).status == .created)
                        let frame = try #require(try await socket.next(within: 10))
                        #expect((frame["message"] as? [String: Any])?["body"] as? String == "after")
                    }
                }
            }
        }
    }

    /// PostgreSQL ending pooled connections (a restart, a failover, `pg_terminate_backend`) just as transactions take
    /// them: each transaction ends, committed or refused, rather than waiting forever for a query the closed connection
    /// dropped (PostgresNIO never settles a query written to a connection that has just closed).
    @Test(.timeLimit(.minutes(2)))
    func transactionsOnConnectionsPostgresEndsDoNotHang() async throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.stop() }
        let store = Store.connect(to: try PostgresLocation(url: try cluster.createDatabase("parley")), connections: 4)
        for round in 1...40 {
            // A transaction leaves its connection idle in the pool; PostgreSQL ends it; the next transaction may take it.
            // Either may meet a connection PostgreSQL just ended: it must end all the same (committed, or a 503).
            for step in ["before", "after"] {
                let ended = await Self.ends(within: 20) { try? await store.checkWritable() }
                #expect(ended, "round \(round): a transaction \(step) PostgreSQL ended the connections never finished")
                if !ended { return }
                if step == "before" {
                    try cluster.psql(database: "postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'parley'")
                }
            }
        }
    }

    /// Whether `operation` ends within `seconds`. Unlike a task group, this does not wait for an operation that hangs
    /// (it is left behind), so the test reports the hang instead of hanging.
    static func ends(within seconds: Double, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
        let settled = Mutex(false)
        return await withCheckedContinuation { continuation in
            let settle: @Sendable (Bool) -> Void = { ended in
                if settled.withLock({ done in defer { done = true }; return !done }) { continuation.resume(returning: ended) }
            }
            Task {
                await operation()
                settle(true)
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                settle(false)
            }
        }
    }

    /// A 503 in Twilio's error body, saying the storage is unavailable.
    static func expectUnavailable(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .serviceUnavailable, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.json["status"] as? Int == 503, sourceLocation: sourceLocation)
        #expect(response.code == 20503, sourceLocation: sourceLocation)
        #expect((response.json["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect((response.json["more_info"] as? String)?.contains("20503") == true, sourceLocation: sourceLocation)
    }
}

/// What a chat socket heard, read by a task of its own: the bodies of `messageAdded` frames, and how the stream ended
/// (closed by a close frame or end of stream, or failed).
final class SocketLog: Sendable {
    private let state = Mutex<(bodies: [String], closed: Bool, failure: String?)>(([], false, nil))

    var bodies: [String] { state.withLock { $0.bodies } }
    /// The socket closed cleanly.
    var closed: Bool { state.withLock { $0.closed } }
    /// The socket failed (an error rather than a close).
    var failure: String? { state.withLock { $0.failure } }

    /// Reads `socket` until it ends.
    func follow(_ socket: SocketConnection) async {
        do {
            while let frame = try await socket.next(within: 600) {
                guard frame["type"] as? String == "messageAdded", let body = (frame["message"] as? [String: Any])?["body"] as? String else { continue }
                state.withLock { $0.bodies.append(body) }
            }
            state.withLock { $0.closed = true }
        } catch {
            state.withLock { $0.failure = "\(error)" }
        }
    }
}

/// Runs `body` with a node serving on a real socket (WebSockets need one) over a database in a private cluster of its
/// own, which `body` may stop and start; the node runs a webhook worker.
func withOwnPostgresParley(_ body: @Sendable (PostgresCluster, TestAPI, LiveSockets) async throws -> Void) async throws {
    let cluster = try PostgresCluster.start()
    defer { cluster.stop() }
    let location = try PostgresLocation(url: try cluster.createDatabase("parley"))
    _ = try await PostgresSession.with(location) { try await PostgresMigrator().migrate($0) }
    let media = FileManager.default.temporaryDirectory.appendingPathComponent("parley-outage-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: media) }
    let parley = Parley(
        store: Store.connect(to: location, connections: 8), mediaDirectory: media, webhookSettings: PostgresOutageTests.patientWebhooks,
        outbound: loopbackAllowed)
    _ = try await parley.accounts.bootstrap(sid: TestCredentials.accountSid, authToken: TestCredentials.authToken)
    var logger = Logger(label: "parley-outage-test")
    logger.logLevel = .critical
    let app = buildApplication(
        parley: parley, settings: ServerSettings(port: 0, publicURL: TestCredentials.publicURL),
        services: [WebhookWorker(webhooks: parley.webhooks, logger: logger)], logger: logger)
    try await app.test(.live) { client in
        try await body(cluster, TestAPI(client: client, parley: parley), LiveSockets(client: client, parley: parley))
    }
}
