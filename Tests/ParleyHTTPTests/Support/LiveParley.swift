import Foundation
import PostgresTestSupport
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import Logging
import ParleyCore
import ParleyHTTP
import Synchronization
import Testing
import WSClient

/// A server on a real socket (WebSockets need one), over a fresh database of the suite's engine (`engine` picks one
/// for a test of that engine's own features).
func withLiveParley(
    engine: TestEngine = .current, typingTimeout: Duration = .milliseconds(300), twilsockPingInterval: Duration = .seconds(30),
    _ body: @Sendable (TestAPI, LiveSockets) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-live-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let deployment = TestDeployment(directory: directory, engine: engine)
    let store = try await deployment.migratedStore()
    let parley = Parley(store: store, typingTimeout: typingTimeout, mediaDirectory: deployment.mediaDirectory, pushSecrets: deployment.pushSecrets)
    _ = try await parley.accounts.bootstrap(sid: TestCredentials.accountSid, authToken: TestCredentials.authToken)
    var logger = Logger(label: "parley-live-test")
    logger.logLevel = .warning
    var settings = ServerSettings(port: 0, publicURL: TestCredentials.publicURL)
    settings.twilsockPingInterval = twilsockPingInterval
    let app = buildApplication(parley: parley, settings: settings, logger: logger)
    try await app.test(.live) { client in
        try await body(TestAPI(client: client, parley: parley), LiveSockets(client: client, parley: parley))
    }
}

/// Opens chat WebSockets as a given identity.
struct LiveSockets: Sendable {
    let client: any TestClientProtocol
    let parley: Parley

    /// A token for `identity` in the default Service, signed with a key of the test account.
    func token(_ identity: String, ttl: Int64 = 3600) async throws -> String {
        let key = try await parley.accessTokens.signingKey(accountSid: TestCredentials.accountSid)
        return try await parley.accessTokens.mintAccessToken(apiKey: key, identity: identity, ttl: ttl)
    }

    /// Connects as `identity` (query: e.g. `since=12`), runs `body` with a connection, and closes.
    func connect(as identity: String, query: String = "", _ body: @Sendable @escaping (SocketConnection) async throws -> Void) async throws {
        let token = try await token(identity)
        try await connect(token: token, query: query, body)
    }

    func connect(token: String, query: String = "", _ body: @Sendable @escaping (SocketConnection) async throws -> Void) async throws {
        let path = "/client/v1/socket?token=\(token)" + (query.isEmpty ? "" : "&\(query)")
        try await client.ws(path) { inbound, outbound, _ in
            let connection = SocketConnection(inbound: inbound.messages(maxSize: 1 << 20).makeAsyncIterator(), outbound: outbound)
            try await body(connection)
            try await outbound.close(.normalClosure, reason: nil)
        }
    }
}

/// One open test socket: send frames, read the server's frames as dictionaries.
final class SocketConnection: @unchecked Sendable {
    private var inbound: WebSocketInboundMessageStream.AsyncIterator
    let outbound: WebSocketOutboundWriter

    init(inbound: WebSocketInboundMessageStream.AsyncIterator, outbound: WebSocketOutboundWriter) {
        self.inbound = inbound
        self.outbound = outbound
    }

    func send(_ json: String) async throws {
        try await outbound.write(.text(json))
    }

    /// The next frame from the server (nil when the socket closed), waiting at most `seconds`.
    func next(within seconds: Double = 5) async throws -> [String: Any]? {
        let frame = try await within(seconds) { [self] () -> String? in
            guard case .text(let text)? = try await self.inbound.next() else { return nil }
            return text
        }
        return frame.flatMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// Frames up to and including the first of `type`.
    func frames(until type: String, within seconds: Double = 5) async throws -> [[String: Any]] {
        var frames: [[String: Any]] = []
        while let frame = try await next(within: seconds) {
            frames.append(frame)
            if frame["type"] as? String == type { return frames }
        }
        Issue.record("socket closed before a \(type) frame; got \(frames.map { $0["type"] ?? "?" })")
        return frames
    }
}

struct SocketTimeout: Error {}

/// `operation`'s result, or `SocketTimeout` once `seconds` have passed (the operation is then cancelled).
func within<T: Sendable>(_ seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw SocketTimeout()
        }
        let first = try await group.next()!
        group.cancelAll()
        return first
    }
}
