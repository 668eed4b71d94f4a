import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ParleyCore
import Synchronization

/// One chat client's WebSocket (`GET /client/v1/socket`): authenticated by access token, it first
/// replays what the client missed since `?since=SEQ`, then streams the user's live events, and takes
/// `typing` and `updateToken` frames. A slow client is cut off rather than slowing anyone else.
struct ChatSocket: Sendable {
    let parley: Parley
    let settings: ServerSettings
    /// The largest frame a client may send.
    static let maxFrameSize = 16 * 1024
    /// How long before expiry `tokenAboutToExpire` is sent.
    static let expiryWarning: Int64 = 60
    /// Frames a client may send: bursts of `burst`, `perSecond` on average (typing repeats every few seconds). A frame
    /// past that is answered with a 20429 error frame and ignored; after `ignoredBeforeClose` of them the socket closes.
    static let frameLimit = (burst: 20.0, perSecond: 10.0, ignoredBeforeClose: 100)

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, logger: Logger) async throws {
        let writer = FrameWriter(outbound: outbound)
        let user: ChatPrincipal
        do {
            guard let token = AccessTokenMiddleware.token(request) else {
                throw ParleyError.accessTokenMalformed(reason: "send the token as Authorization: Bearer <token> or a token query parameter")
            }
            user = try await parley.accessTokens.verifyAccessToken(token)
        } catch let error as ParleyError {
            try await writer.send(ChatSocketFrame.error(TwilioError(error)))
            try await outbound.close(.policyViolation, reason: "authentication failed")
            return
        }
        let base = settings.publicURL ?? "http://\(request.head.authority ?? "localhost")"
        let renderer = Renderer(urls: ResourceURLs(base: base, explicitService: user.serviceSid), accountSid: user.accountSid)
        let variant = renderer.variant
        let session = Session(user: user)

        // Subscribe before reading the log, so nothing committed in between is missed; duplicates are dropped by seq.
        let subscription = parley.hub.subscribe(serviceSid: user.serviceSid, identity: user.identity)
        defer { parley.hub.unsubscribe(subscription) }
        let replayed = try await replay(since: request.uri.queryParameters.get("since"), user: user, writer: writer, renderer: renderer)

        let reason: String? = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                var delivered = replayed
                for await delivery in subscription.stream {
                    switch delivery {
                    case .event(let event):
                        guard event.seq > delivered else { continue }
                        delivered = event.seq
                        try await writer.send(bytes: ChatSocketFrame.event(event, renderer: renderer, variant: variant))
                    case .typing(let signal):
                        try await writer.send(ChatSocketFrame.typing(signal))
                    case .wake:
                        continue
                    }
                }
                return subscription.overflowed ? "client too slow: more than \(parley.hub.bufferSize) events behind" : "server shutting down"
            }
            group.addTask {
                try await receive(inbound: inbound, session: session, writer: writer)
            }
            group.addTask {
                try await watchExpiry(session: session, writer: writer)
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let reason {
            let code: WebSocketErrorCode =
                reason.hasPrefix("token") || reason == Self.tooManyFrames ? .policyViolation
                : reason == "server shutting down" ? .goingAway : .unexpectedServerError
            try? await outbound.close(code, reason: reason)
        }
    }

    /// Sends the events after `since` (or, without it, marks where live delivery starts); returns the last seq sent.
    private func replay(since: String?, user: ChatPrincipal, writer: FrameWriter, renderer: Renderer) async throws -> Int64 {
        var cursor = try await parley.eventLog.latestSeq()
        if let since {
            guard let start = Int64(since), start >= 0 else {
                try await writer.send(
                    ChatSocketFrame.error(TwilioError(.invalidParameter(name: "since", reason: "must be a sequence number from an earlier event"))))
                try await writer.send(ChatSocketFrame.connected(identity: user.identity, latestSeq: cursor, expiresAt: user.expiresAt))
                return cursor
            }
            cursor = start
            replaying: while true {
                switch try await parley.eventLog.replay(serviceSid: user.serviceSid, identity: user.identity, after: cursor) {
                case .resyncRequired(let latest):
                    try await writer.send(ChatSocketFrame.resyncRequired(latestSeq: latest))
                    cursor = latest
                    break replaying
                case .events(let events):
                    for event in events { try await writer.send(bytes: ChatSocketFrame.event(event, renderer: renderer, variant: renderer.variant)) }
                    guard let last = events.last else { break replaying }
                    cursor = last.seq
                }
            }
        }
        try await writer.send(ChatSocketFrame.connected(identity: user.identity, latestSeq: cursor, expiresAt: user.expiresAt))
        return cursor
    }

    static let tooManyFrames = "too many frames"

    /// Handles the client's frames until it closes the socket (nil) or sends far too many (the reason to close); a bad
    /// frame gets an error frame and changes nothing.
    private func receive(inbound: WebSocketInboundStream, session: Session, writer: FrameWriter) async throws -> String? {
        let budget = RateLimiter(capacity: Self.frameLimit.burst, refillPerSecond: Self.frameLimit.perSecond)
        var ignored = 0
        for try await message in inbound.messages(maxSize: Self.maxFrameSize) {
            do {
                if budget.take("frames") != nil {
                    ignored += 1
                    if ignored > Self.frameLimit.ignoredBeforeClose { return Self.tooManyFrames }
                    throw ParleyError.rateLimited(retryAfterSeconds: 1)
                }
                guard case .text(let text) = message else {
                    throw ParleyError.invalidParameter(name: "frame", reason: "binary frames are not understood; send JSON text")
                }
                switch try ChatClientFrame(text: text) {
                case .typing(let conversation):
                    try await parley.typing.typing(session.user, conversation: conversation)
                case .updateToken(let token):
                    let renewed = try await parley.accessTokens.verifyAccessToken(token)
                    guard renewed.identity == session.user.identity, renewed.serviceSid == session.user.serviceSid else {
                        throw ParleyError.invalidParameter(name: "token", reason: "must be for the same identity and Service")
                    }
                    session.user = renewed
                    try await writer.send(ChatSocketFrame.token("tokenUpdated", expiresAt: renewed.expiresAt))
                }
            } catch let error as ParleyError {
                try await writer.send(ChatSocketFrame.error(TwilioError(error)))
            }
        }
        return nil
    }

    /// Warns shortly before the token expires, and ends the connection when it has (unless it was renewed).
    private func watchExpiry(session: Session, writer: FrameWriter) async throws -> String? {
        var warned: Timestamp?
        while true {
            let expiresAt = session.user.expiresAt
            let now = Timestamp.now
            if now >= expiresAt {
                // A client is always warned first, even when the wake-up came late (or the token was nearly spent).
                if warned != expiresAt { try await writer.send(ChatSocketFrame.token("tokenAboutToExpire", expiresAt: expiresAt)) }
                try await writer.send(ChatSocketFrame.token("tokenExpired", expiresAt: expiresAt))
                return "token expired"
            }
            let warnAt = expiresAt.adding(seconds: -Self.expiryWarning)
            if now >= warnAt, warned != expiresAt {
                warned = expiresAt
                try await writer.send(ChatSocketFrame.token("tokenAboutToExpire", expiresAt: expiresAt))
            }
            let next = now < warnAt ? warnAt : expiresAt
            try await Task.sleep(for: .seconds(max(1, min(next.secondsSince1970 - now.secondsSince1970, 30))))
        }
    }
}

/// The connection's current principal: replaced when the client sends a fresh token.
private final class Session: Sendable {
    private let current: Mutex<ChatPrincipal>
    init(user: ChatPrincipal) { current = Mutex(user) }
    var user: ChatPrincipal {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// Writes the connection's frames. Its tasks (live events, replies to the client, the expiry watch) may write at the
/// same time: the writer underneath takes concurrent writes, each frame whole, so no actor hop is needed per frame.
private struct FrameWriter: Sendable {
    let outbound: WebSocketOutboundWriter
    init(outbound: WebSocketOutboundWriter) { self.outbound = outbound }

    func send(_ frame: JSONValue) async throws {
        try await send(bytes: frame.utf8)
    }

    /// Sends a frame serialized already (UTF-8 JSON text).
    func send(bytes: [UInt8]) async throws {
        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: bytes))))
    }
}
