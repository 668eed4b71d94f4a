import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ParleyCore
import Synchronization

/// `GET /v3/wsconnect`: the twilsock v3 socket of Twilio's JavaScript SDK, so that an app changes one option
/// (`Twilsock.uri`) and keeps its code and tokens.
///
/// The first message must be `init` with an access token (checked as for `/client/v1`); a refused token gets a `reply`
/// with status 401 and the token's error code (20104: expired), then the socket closes. Afterwards the client tunnels
/// HTTP requests in `message` frames (answered by `reply` with `http_status`), to the chat service
/// (`ChatServiceAdapter`) and Sync (`SyncAdapter`, `SyncSubscriptions`); `update` swaps the token (same identity and
/// Service). The server sends `notification`s (Sync events, typing), a `ping` every 30 s, `client_update`
/// `token_about_to_expire` a minute before expiry and `close` 410 at expiry. A frame it cannot read gets `close` 406;
/// an unknown method a `reply` with status 400; neither changes anything, nor touches other sockets.
struct TwilsockEndpoint: Sendable {
    let parley: Parley
    let settings: ServerSettings

    /// The largest twilsock message read: a message with the largest body and attributes fits with room to spare.
    static let maxFrameSize = 64 * 1024
    /// How long a client has to send `init`.
    static let initTimeout: Duration = .seconds(30)

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, logger: Logger) async throws {
        let base = settings.publicURL ?? "\(settings.tls == nil ? "http" : "https")://\(request.head.authority ?? "localhost")"
        let connection = TwilsockConnection(parley: parley, base: base, outbound: outbound, pingInterval: settings.twilsockPingInterval)
        // A WebSocket ping right away: a twilsock client says nothing before it sees the 101, so a first write makes
        // sure the 101 is flushed whatever the pipeline holds back (it once stayed buffered until a first write).
        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())))
        let (commands, commandInput) = AsyncStream<SyncSubscriptions.Command>.makeStream()
        let (started, startedInput) = AsyncStream<ChatPrincipal>.makeStream()
        let closing: TwilsockClosing? = try await withThrowingTaskGroup(of: TwilsockClosing?.self) { group in
            group.addTask {
                try await connection.receive(inbound: inbound, commands: commandInput, started: startedInput)
            }
            group.addTask {
                var iterator = started.makeAsyncIterator()
                guard let user = await iterator.next() else { return nil }
                return try await connection.deliver(user: user, commands: commands)
            }
            group.addTask {
                try await connection.keepAlive()
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        commandInput.finish()
        if let closing {
            if let frame = closing.frame { try? await connection.write(frame) }
            try? await outbound.close(closing.code, reason: closing.reason)
        } else {
            try? await outbound.close(.normalClosure, reason: nil)
        }
    }
}

/// Why and how the server ends a connection.
struct TwilsockClosing: Sendable {
    var reason: String
    var code: WebSocketErrorCode
    /// A twilsock `close` (or refusal) sent first.
    var frame: [UInt8]?
}

/// One twilsock connection's state: the user once `init` succeeded (replaced by `update`).
final class TwilsockConnection: Sendable {
    let parley: Parley
    let base: String
    let outbound: WebSocketOutboundWriter
    /// How often `keepAlive` sends a twilsock `ping` (`ServerSettings.twilsockPingInterval`).
    let pingInterval: Duration
    private let principal = Mutex<ChatPrincipal?>(nil)

    init(parley: Parley, base: String, outbound: WebSocketOutboundWriter, pingInterval: Duration) {
        self.parley = parley
        self.base = base
        self.outbound = outbound
        self.pingInterval = pingInterval
    }

    var user: ChatPrincipal? { principal.withLock { $0 } }

    func write(_ frame: [UInt8]) async throws {
        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: frame))))
    }

    // MARK: - Receiving

    /// Reads the client's messages until it closes (nil) or must be closed (the reason).
    func receive(
        inbound: WebSocketInboundStream, commands: AsyncStream<SyncSubscriptions.Command>.Continuation, started: AsyncStream<ChatPrincipal>.Continuation
    ) async throws -> TwilsockClosing? {
        for try await message in inbound.messages(maxSize: TwilsockEndpoint.maxFrameSize) {
            let bytes: [UInt8]
            switch message {
            case .binary(let buffer): bytes = Array(buffer.readableBytesView)
            case .text(let text): bytes = Array(text.utf8)
            }
            let frame: TwilsockFrame
            do {
                frame = try TwilsockFrame(bytes: bytes)
            } catch let malformed as TwilsockFrame.Malformed {
                return TwilsockClosing(reason: "unreadable frame", code: .protocolError, frame: TwilsockFrames.close(406, malformed.reason))
            }
            guard let id = frame.id, let method = frame.method else {
                return TwilsockClosing(reason: "unreadable frame", code: .protocolError, frame: TwilsockFrames.close(406, "a header needs id and method"))
            }
            guard let user else {
                guard method == "init" else {
                    return TwilsockClosing(
                        reason: "init expected", code: .protocolError, frame: TwilsockFrames.close(406, "the first message must be init, not \(method.prefix(32))"))
                }
                if let refused = try await initialize(frame, id: id) { return refused }
                if let user = self.user { started.yield(user) }
                started.finish()
                continue
            }
            switch method {
            case "message":
                let response = await tunnel(frame, user: user, commands: commands)
                try await write(TwilsockFrames.httpReply(id: id, response))
            case "update":
                if let refused = try await update(frame, id: id, current: user) { return refused }
            case "reply":
                continue  // the client's acknowledgement of a notification or ping
            case "close":
                return nil
            case "ping", "telemetry.v1":
                try await write(TwilsockFrames.reply(id: id, status: TwilsockFrames.status(200, "OK")))
            case "init":
                try await write(TwilsockFrames.reply(id: id, status: TwilsockFrames.status(400, "Bad Request: already initialized")))
            default:
                try await write(TwilsockFrames.reply(id: id, status: TwilsockFrames.status(400, "Bad Request: unknown method \(method.prefix(32))")))
            }
        }
        return nil
    }

    /// Verifies the `init` token; nil when accepted (the reply is sent), else the refusal to close with.
    private func initialize(_ frame: TwilsockFrame, id: String) async throws -> TwilsockClosing? {
        do {
            guard let token = frame.header["token"] as? String, !token.isEmpty else {
                throw ParleyError.accessTokenMalformed(reason: "init needs a token")
            }
            let user = try await parley.accessTokens.verifyAccessToken(token)
            principal.withLock { $0 = user }
            let resumed = (frame.header["continuation_token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            try await write(
                TwilsockFrames.initAccepted(id: id, continuationToken: resumed ?? TwilsockFrames.newID(), reissued: resumed == nil))
            return nil
        } catch let error as ParleyError {
            return TwilsockClosing(
                reason: "authentication failed", code: .policyViolation, frame: TwilsockFrames.reply(id: id, status: TwilsockFrames.errorStatus(TwilioError(error))))
        }
    }

    /// Swaps in the `update`'s token when it is valid for the same identity and Service; a refusal closes.
    private func update(_ frame: TwilsockFrame, id: String, current: ChatPrincipal) async throws -> TwilsockClosing? {
        do {
            guard let token = frame.header["token"] as? String, !token.isEmpty else {
                throw ParleyError.accessTokenMalformed(reason: "update needs a token")
            }
            let renewed = try await parley.accessTokens.verifyAccessToken(token)
            guard renewed.identity == current.identity, renewed.serviceSid == current.serviceSid, renewed.accountSid == current.accountSid else {
                let refusal = TwilioError(status: .forbidden, code: 20106, message: "Invalid Access Token grants: an update must be for the same identity and Service")
                return TwilsockClosing(reason: "token refused", code: .policyViolation, frame: TwilsockFrames.reply(id: id, status: TwilsockFrames.errorStatus(refusal)))
            }
            principal.withLock { $0 = renewed }
            try await write(TwilsockFrames.reply(id: id, status: TwilsockFrames.status(200, "OK")))
            return nil
        } catch let error as ParleyError {
            return TwilsockClosing(
                reason: "token refused", code: .policyViolation, frame: TwilsockFrames.reply(id: id, status: TwilsockFrames.errorStatus(TwilioError(error))))
        }
    }

    // MARK: - Tunnelled requests

    /// Answers a `message` frame's HTTP request; every failure is an HTTP error in Twilio's shape, never a closed socket.
    private func tunnel(_ frame: TwilsockFrame, user: ChatPrincipal, commands: AsyncStream<SyncSubscriptions.Command>.Continuation) async
        -> TunnelledResponse
    {
        do {
            let request = try TunnelledRequest(frame: frame)
            return try await idempotent(request, user: user) {
                try await self.route(request, user: user, commands: commands)
            }
        } catch let error as ParleyError {
            return TunnelledResponse(TwilioError(error))
        } catch let refusal as TwilsockRefusal {
            return TunnelledResponse(refusal.error)
        } catch {
            return TunnelledResponse(TwilioError.internalError)
        }
    }

    private func route(_ request: TunnelledRequest, user: ChatPrincipal, commands: AsyncStream<SyncSubscriptions.Command>.Continuation) async throws
        -> TunnelledResponse
    {
        let segments = request.segments
        if segments.count >= 2, segments[0] == "Client", segments[1] == "v2",
            let response = try await ChatServiceAdapter(parley: parley, user: user, base: base).handle(request)
        {
            return response
        }
        if segments.first == "v3", let response = try await SyncAdapter(reader: SyncReader(parley: parley, user: user, base: base)).handle(request) {
            return response
        }
        if segments.first == "v1", let response = try await RegistrationsAdapter(parley: parley, user: user).handle(request) {
            return response
        }
        if segments == ["v4", "Subscriptions"], request.method == "POST" {
            commands.yield(try Self.subscriptions(request))
            return TunnelledResponse(
                status: 202, body: .object([("estimated_delivery_in_ms", 5000), ("max_batch_size", 100), ("ttl_in_s", .int(-1))]))
        }
        return TunnelledResponse(TwilioError.unknownPath(request.path))
    }

    /// Reads a `v4/Subscriptions` body.
    static func subscriptions(_ request: TunnelledRequest) throws -> SyncSubscriptions.Command {
        let fields = try request.fields()
        guard let action = try fields.string("action"), action == "establish" || action == "cancel" else {
            throw ParleyError.invalidParameter(name: "action", reason: "must be establish or cancel")
        }
        guard let list = fields["requests"] as? [Any], list.count <= 1000 else {
            throw ParleyError.invalidParameter(name: "requests", reason: "must be a list of at most 1000 objects")
        }
        let requests = try list.map { item -> SyncSubscriptions.Request in
            guard let object = item as? [String: Any], let sid = try object.string("object_sid") else {
                throw ParleyError.invalidParameter(name: "requests", reason: "each request needs object_sid")
            }
            return SyncSubscriptions.Request(objectSid: sid, objectType: try object.string("object_type") ?? "", lastEventId: try object.integer("last_event_id"))
        }
        let correlation: JSONValue =
            switch fields["correlation_id"] {
            case let number as NSNumber: .int(number.int64Value)
            case let text as String: .string(text)
            default: .null
            }
        return .subscriptions(action: action, correlationId: correlation, requests: requests)
    }

    /// Runs a write carrying `X-Twilio-Mutation-Id` at most once per key and user (the key is kept as `{US…}/{id}`, as
    /// the idempotency store's keys are per account): a retry gets the first answer, another request under it a 422.
    private func idempotent(_ request: TunnelledRequest, user: ChatPrincipal, _ operation: () async throws -> TunnelledResponse) async throws
        -> TunnelledResponse
    {
        guard request.method == "POST" || request.method == "DELETE", let key = request.headers["x-twilio-mutation-id"] else { return try await operation() }
        let caller = "\(user.serviceSid)/\(user.identity)"
        let reservation = IdempotencyService.Request(
            accountSid: user.accountSid, key: "\(user.userSid)/\(key)", method: request.method, path: request.path,
            fingerprint: IdempotencyService.fingerprint(
                method: request.method, path: caller + request.path, query: "", contentType: request.headers["content-type"], body: request.body))
        switch try await parley.idempotency.reserve(reservation) {
        case .replay(let stored):
            return TunnelledResponse(status: stored.status, bytes: stored.body)
        case .reserved:
            let response: TunnelledResponse
            do {
                response = try await parley.idempotency.marking(reservation) { try await operation() }
            } catch {
                try? await parley.idempotency.release(reservation)
                throw error
            }
            if (200..<300).contains(response.status) {
                try await parley.idempotency.complete(reservation, response: StoredResponse(status: response.status, contentType: "application/json", body: response.body))
            } else {
                try? await parley.idempotency.release(reservation)
            }
            return response
        }
    }

    // MARK: - Sending

    /// Streams the user's events to their Sync subscriptions (and typing) until the hub ends the stream.
    func deliver(user: ChatPrincipal, commands: AsyncStream<SyncSubscriptions.Command>) async throws -> TwilsockClosing?
    {
        let subscription = parley.hub.subscribe(serviceSid: user.serviceSid, identity: user.identity)
        defer { parley.hub.unsubscribe(subscription) }
        let subscriptions = SyncSubscriptions(parley: parley, user: { [self] in self.user ?? user }, send: { [self] frame in try await self.write(frame) })
        let inbox = SyncCommandInbox()
        let (hub, base) = (parley.hub, self.base)
        return try await withThrowingTaskGroup(of: TwilsockClosing?.self) { group in
            // The socket's own requests (subscribe, cancel) join the hub's stream as a wake, so the one task below handles
            // them in order with the deliveries, and a delivery goes from the hub to the socket without a hop between tasks.
            group.addTask {
                for await command in commands {
                    inbox.post(command)
                    hub.wake(subscription)
                }
                return nil
            }
            group.addTask {
                for await delivery in subscription.stream {
                    if case .wake = delivery {
                        for command in inbox.takeAll() { try await subscriptions.handle(command, base: base) }
                    } else {
                        try await subscriptions.handle(.delivery(delivery), base: base)
                    }
                }
                return subscription.overflowed
                    ? TwilsockClosing(reason: "client too slow", code: .unexpectedServerError, frame: nil)
                    : TwilsockClosing(reason: "server shutting down", code: .goingAway, frame: nil)
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Waits for `init` (closing after `initTimeout` without it), then pings every `pingInterval`, warns a minute before the
    /// token expires and closes with 410 when it has.
    func keepAlive() async throws -> TwilsockClosing? {
        let deadline = ContinuousClock.now + TwilsockEndpoint.initTimeout
        while user == nil {
            if ContinuousClock.now >= deadline {
                return TwilsockClosing(reason: "no init", code: .policyViolation, frame: TwilsockFrames.close(406, "init was not sent in time"))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        var lastPing = ContinuousClock.now
        var warned: Timestamp?
        while let user {
            let now = Timestamp.now
            if now >= user.expiresAt {
                if warned != user.expiresAt { try await write(TwilsockFrames.tokenAboutToExpire()) }
                return TwilsockClosing(reason: "token expired", code: .policyViolation, frame: TwilsockFrames.close(410, "Token expired"))
            }
            if now >= user.expiresAt.adding(seconds: -ChatSocket.expiryWarning), warned != user.expiresAt {
                warned = user.expiresAt
                try await write(TwilsockFrames.tokenAboutToExpire())
            }
            if ContinuousClock.now - lastPing >= pingInterval {
                lastPing = .now
                try await write(TwilsockFrames.ping())
            }
            try await Task.sleep(for: min(.seconds(1), pingInterval))
        }
        return nil
    }
}
