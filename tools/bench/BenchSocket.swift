import Foundation
import HummingbirdWSClient
import Logging
import NIOCore

/// One chat client's socket in the benchmark: Parley's own `/client/v1/socket`, or `/v3/wsconnect` spoken as Twilio's
/// JavaScript SDK does (twilsock v3 framing, `init`, then a Sync subscription to the conversation's messages list).
struct BenchSocket: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case native, twilsock

        /// The scenario name in the report.
        var scenario: String { self == .native ? "fanout" : "twilsock" }
        var name: String { self == .native ? "/client/v1/socket" : "twilsock socket" }
    }

    /// What the socket saw: ready (connected and, with a conversation, subscribed to it), or a message frame.
    enum Event {
        case ready
        case message([UInt8])
    }

    let kind: Kind
    let port: Int
    let token: String

    /// Connects and calls `handle` with each event until it returns true or the server closes. With `conversation`,
    /// a twilsock client subscribes to its messages list before it is ready.
    func listen(conversation: String?, _ handle: @escaping @Sendable (Event) throws -> Bool) async throws {
        var logger = Logger(label: "bench-ws")
        logger.logLevel = .critical
        switch kind {
        case .native:
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/client/v1/socket?token=\(token)", logger: logger) { inbound, _, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    // Cheap checks: the load generator shares the server's cores (frames start with their type).
                    if text.hasPrefix(#"{"type":"connected""#) {
                        if try handle(.ready) { return }
                    } else if text.hasPrefix(#"{"type":"messageAdded""#) {
                        if try handle(.message(Array(text.utf8))) { return }
                    }
                }
            }
        case .twilsock:
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/v3/wsconnect", configuration: .init(maxFrameSize: 1 << 20), logger: logger
            ) { inbound, outbound, _ in
                try await outbound.write(.binary(ByteBuffer(bytes: TwilsockBenchFrame.encode(method: "init", id: "TMinit", fields: Self.initFields(token)))))
                var subscribed = false
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    let bytes: [UInt8]
                    switch message {
                    case .binary(let buffer): bytes = Array(buffer.readableBytesView)
                    case .text(let text): bytes = Array(text.utf8)
                    }
                    // Once subscribed, every frame goes to `handle` unparsed, as the native client's frames do: the load
                    // generator shares the server's cores, and decoding each header would be its cost, not the server's.
                    if subscribed {
                        if try handle(.message(bytes)) { return } else { continue }
                    }
                    let frame = try TwilsockBenchFrame(bytes)
                    switch frame.method {
                    case "reply" where frame.id == "TMinit":
                        guard frame.statusCode == 200 else { throw BenchError("twilsock init answered \(frame.statusCode ?? -1)") }
                        guard let conversation else { if try handle(.ready) { return } else { continue } }
                        let subscribe = try JSONSerialization.data(withJSONObject: [
                            "event_protocol_version": 4, "action": "establish", "correlation_id": 1,
                            "requests": [["object_sid": "\(conversation).messages", "object_type": "list"]],
                        ] as [String: Any])
                        let request: [String: Any] = [
                            "active_grant": "data_sync",
                            "http_request": [
                                "host": "cds.us1.twilio.com", "path": "/v4/Subscriptions", "method": "POST", "params": [:] as [String: String],
                                "headers": ["Content-Type": "application/json"],
                            ] as [String: Any],
                        ]
                        try await outbound.write(
                            .binary(ByteBuffer(bytes: TwilsockBenchFrame.encode(method: "message", id: "TMsub", fields: request, payload: Array(subscribe)))))
                    case "notification":
                        if frame.payload.contains(subsequence: Array("subscription_established".utf8)) {
                            subscribed = true
                            if try handle(.ready) { return }
                        }
                    default:
                        continue
                    }
                }
            }
        }
    }

    /// The time from opening the socket to its first sign of life: `connected` (native) or the `init` reply (twilsock).
    func timeToReady() async throws -> Duration {
        let began = ContinuousClock.now
        try await listen(conversation: nil) { event in
            if case .ready = event { return true }
            return false
        }
        return ContinuousClock.now - began
    }

    private static func initFields(_ token: String) -> [String: Any] {
        [
            "token": token, "capabilities": ["client_update"],
            "registrations": [["product": "ip_messaging", "type": "ers", "message_types": ["twilio.ipmsg.typing_indicator"]]],
        ]
    }
}

/// A twilsock v3 message: `TWILSOCK V3.0 <header size>\r\n<header JSON>\r\n<payload>`.
struct TwilsockBenchFrame {
    var method: String?
    var id: String?
    var statusCode: Int?
    var payload: [UInt8]

    init(_ bytes: [UInt8]) throws {
        let prefix = Array("TWILSOCK V3.0 ".utf8)
        guard bytes.starts(with: prefix), let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")),
            let size = Int(String(decoding: bytes[prefix.count..<lineEnd], as: UTF8.self)), lineEnd + 2 + size <= bytes.count
        else { throw BenchError("not a twilsock frame") }
        let headerStart = lineEnd + 2
        let header = (try JSONSerialization.jsonObject(with: Data(bytes[headerStart..<headerStart + size]))) as? [String: Any] ?? [:]
        method = header["method"] as? String
        id = header["id"] as? String
        statusCode = (header["status"] as? [String: Any])?["code"] as? Int
        payload = Array(bytes[min(bytes.count, headerStart + size + 2)...])
    }

    static func encode(method: String, id: String, fields: [String: Any], payload: [UInt8] = []) throws -> [UInt8] {
        var header = fields
        header["id"] = id
        header["method"] = method
        header["payload_size"] = payload.count
        if !payload.isEmpty { header["payload_type"] = "application/json" }
        let headerBytes = Array(try JSONSerialization.data(withJSONObject: header))
        return Array("TWILSOCK V3.0 \(headerBytes.count)\r\n".utf8) + headerBytes + Array("\r\n".utf8) + payload
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return needle.isEmpty }
        for start in 0...(count - needle.count) where self[start] == needle[0] && self[start..<start + needle.count].elementsEqual(needle) {
            return true
        }
        return false
    }
}

/// `connect`: the time from opening a socket to its first sign of life, both kinds in turn, one socket at a time.
func connectScenario(port: Int, samples: Int, mintToken: @escaping @Sendable (String) async throws -> String) async throws -> [Measurement] {
    let token = try await mintToken("connect-bench")
    var rows: [Measurement] = []
    for kind in BenchSocket.Kind.allCases {
        let socket = BenchSocket(kind: kind, port: port, token: token)
        var latencies: [Double] = []
        for _ in 0..<samples { latencies.append(try await socket.timeToReady().seconds) }
        rows.append(
            Measurement(
                scenario: "connect", variant: kind.name, count: latencies.count, seconds: latencies.reduce(0, +), latencies: latencies,
                note: kind == .native ? "open to `connected`" : "open to the `init` reply"))
    }
    return rows
}
