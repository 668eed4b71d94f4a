import Foundation
import HummingbirdWSTesting
import NIOCore
import Testing
import WSClient

@testable import ParleyHTTP

extension LiveSockets {
    /// Opens `/v3/wsconnect` and runs `body` with a twilsock connection (not yet initialized), then closes.
    /// Returns the server's WebSocket close frame, if it closed the socket.
    @discardableResult
    func twilsock(_ body: @Sendable @escaping (TwilsockTestConnection) async throws -> Void) async throws -> WebSocketCloseFrame? {
        try await client.ws("/v3/wsconnect", configuration: .init(maxFrameSize: 1 << 20)) { inbound, outbound, _ in
            let connection = TwilsockTestConnection(inbound: inbound.messages(maxSize: 1 << 20).makeAsyncIterator(), outbound: outbound)
            try await body(connection)
            try? await outbound.close(.normalClosure, reason: nil)
        }
    }

    /// Opens a twilsock connection as `identity`, initialized, and runs `body` with it.
    @discardableResult
    func twilsock(as identity: String, _ body: @Sendable @escaping (TwilsockTestConnection) async throws -> Void) async throws -> WebSocketCloseFrame? {
        let token = try await token(identity)
        return try await twilsock { connection in
            let reply = try await connection.initialize(token: token)
            #expect(reply.status == 200, "init refused: \(reply.header)")
            try await body(connection)
        }
    }
}

/// One message from the server, decoded.
struct TwilsockTestFrame: @unchecked Sendable {
    let header: [String: Any]
    let payload: [UInt8]

    var method: String? { header["method"] as? String }
    var id: String? { header["id"] as? String }
    /// `status.code` of a reply or close.
    var status: Int? { (header["status"] as? [String: Any])?["code"] as? Int }
    var errorCode: Int? { (header["status"] as? [String: Any])?["errorCode"] as? Int }
    /// `http_status.code` of a reply to a tunnelled request.
    var httpStatus: Int? { (header["http_status"] as? [String: Any])?["code"] as? Int }
    var messageType: String? { header["message_type"] as? String }
    /// The payload as JSON.
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] ?? [:] }
}

/// The project's own twilsock client for tests: framing, `init`, tunnelled requests, notifications.
final class TwilsockTestConnection: @unchecked Sendable {
    private var inbound: WebSocketInboundMessageStream.AsyncIterator
    let outbound: WebSocketOutboundWriter
    /// Server messages read while waiting for something else (notifications while waiting for a reply).
    private var pending: [TwilsockTestFrame] = []
    private var counter = 0

    init(inbound: WebSocketInboundMessageStream.AsyncIterator, outbound: WebSocketOutboundWriter) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Sends raw bytes as one binary message.
    func send(bytes: [UInt8]) async throws {
        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// Sends a twilsock message; returns its id.
    @discardableResult
    func send(method: String, _ fields: [String: Any] = [:], payload: [UInt8] = [], payloadType: String = "application/json") async throws -> String {
        counter += 1
        let id = "TMtest\(counter)"
        var header = fields
        header["id"] = id
        header["method"] = method
        header["payload_size"] = payload.count
        if !payload.isEmpty { header["payload_type"] = payloadType }
        let headerBytes = Array(try JSONSerialization.data(withJSONObject: header))
        try await send(bytes: Array("TWILSOCK V3.0 \(headerBytes.count)\r\n".utf8) + headerBytes + Array("\r\n".utf8) + payload)
        return id
    }

    /// The next server message (nil once the socket closed), waiting at most `seconds`.
    func next(within seconds: Double = 5) async throws -> TwilsockTestFrame? {
        if !pending.isEmpty { return pending.removeFirst() }
        return try await read(within: seconds)
    }

    private func read(within seconds: Double) async throws -> TwilsockTestFrame? {
        let bytes = try await within(seconds) { [self] () -> [UInt8]? in
            switch try await self.inbound.next() {
            case .binary(let buffer)?: return Array(buffer.readableBytesView)
            case .text(let text)?: return Array(text.utf8)
            case nil: return nil
            }
        }
        guard let bytes else { return nil }
        let frame = try TwilsockFrame(bytes: bytes)
        return TwilsockTestFrame(header: frame.header, payload: frame.payload)
    }

    /// Waits for the reply to `id`, keeping other messages for later `next`/`notification` calls.
    func reply(to id: String, within seconds: Double = 5) async throws -> TwilsockTestFrame {
        if let index = pending.firstIndex(where: { $0.method == "reply" && $0.id == id }) { return pending.remove(at: index) }
        while true {
            guard let frame = try await read(within: seconds) else { throw SocketTimeout() }
            if frame.method == "reply", frame.id == id { return frame }
            pending.append(frame)
        }
    }

    /// Waits for a message matching `test` (acknowledging notifications as the SDK does), keeping others.
    func message(within seconds: Double = 5, where test: (TwilsockTestFrame) -> Bool) async throws -> TwilsockTestFrame {
        if let index = pending.firstIndex(where: test) { return pending.remove(at: index) }
        while true {
            guard let frame = try await read(within: seconds) else { throw SocketTimeout() }
            if test(frame) { return frame }
            pending.append(frame)
        }
    }

    /// Waits for a notification of `messageType` whose payload matches `test`.
    func notification(_ messageType: String, within seconds: Double = 5, where test: ([String: Any]) -> Bool = { _ in true }) async throws
        -> [String: Any]
    {
        try await message(within: seconds) { $0.method == "notification" && $0.messageType == messageType && test($0.json) }.json
    }

    /// Notifications read so far and not consumed, of `messageType`.
    func pendingNotifications(_ messageType: String) -> [[String: Any]] {
        pending.filter { $0.method == "notification" && $0.messageType == messageType }.map(\.json)
    }

    /// Reads whatever arrives until `seconds` pass without a message (to see that nothing more does). The last read is
    /// cancelled, which ends the inbound stream: call it last on a connection.
    func drain(for seconds: Double) async throws {
        while let frame = try? await read(within: seconds) { pending.append(frame) }
    }

    func initialize(token: String, continuationToken: String? = nil) async throws -> TwilsockTestFrame {
        var fields: [String: Any] = [
            "token": token, "capabilities": ["client_update"],
            "registrations": [["product": "ip_messaging", "type": "ers", "message_types": ["twilio.ipmsg.typing_indicator"]]],
        ]
        if let continuationToken { fields["continuation_token"] = continuationToken }
        return try await reply(to: send(method: "init", fields))
    }

    /// A tunnelled HTTP request: the reply and its JSON body.
    func request(
        _ method: String, _ path: String, params: [String: String] = [:], json: [String: Any]? = nil, form: String? = nil, headers: [String: String] = [:],
        grant: String = "ip_messaging"
    ) async throws -> (status: Int, body: [String: Any]) {
        var requestHeaders = headers
        var payload: [UInt8] = []
        if let json {
            payload = Array(try JSONSerialization.data(withJSONObject: json))
            requestHeaders["Content-Type"] = "application/json; charset=utf-8"
        } else if let form {
            payload = Array(form.utf8)
            requestHeaders["Content-Type"] = "application/x-www-form-urlencoded"
        }
        let id = try await send(
            method: "message",
            [
                "active_grant": grant,
                "http_request": ["host": "aim.us1.twilio.com", "path": path, "method": method, "params": params, "headers": requestHeaders],
            ], payload: payload)
        let reply = try await reply(to: id)
        return (reply.httpStatus ?? -1, reply.json)
    }

    /// Establishes Sync subscriptions; returns the `subscription_established` (or failed) notification.
    func subscribe(_ objects: [(sid: String, type: String, lastEventId: Int64)], correlation: Int = 1) async throws -> [String: Any] {
        let requests = objects.map { ["object_sid": $0.sid, "object_type": $0.type, "last_event_id": $0.lastEventId] as [String: Any] }
        let answer = try await request(
            "POST", "/v4/Subscriptions", json: ["event_protocol_version": 4, "action": "establish", "correlation_id": correlation, "requests": requests],
            grant: "data_sync")
        #expect(answer.status == 202, "\(answer.body)")
        return try await notification("twilio.sync.event") { ($0["correlation_id"] as? Int) == correlation }
    }
}
