import Foundation
import ParleyCore

/// The JSON frames of the chat WebSocket, both ways. Server frames carry a `type`; durable events
/// add their `seq`, the conversation SID and the resource in its REST shape under its kind
/// (`message`, `participant`, `conversation`, `user`).
enum ChatSocketFrame {
    /// A durable event's frame, serialized. Every connection whose `variant` (see `Renderer.variant`) is the same gets
    /// the same bytes, so the frame is rendered once per event and variant however many connections receive it.
    static func event(_ event: ChatEvent, renderer: Renderer, variant: String) -> [UInt8] {
        event.renderCache.bytes(for: "\(event.seq) \(variant)") { Self.event(event, renderer: renderer).utf8 }
    }

    private static func event(_ event: ChatEvent, renderer: Renderer) -> JSONValue {
        let (kind, resource): (String, JSONValue)
        switch event.resource {
        case .conversation(let conversation): (kind, resource) = ("conversation", renderer.conversation(conversation))
        case .participant(let participant): (kind, resource) = ("participant", renderer.participant(participant))
        case .message(let message): (kind, resource) = ("message", renderer.message(message))
        case .user(let user): (kind, resource) = ("user", renderer.user(user))
        }
        return .object([
            ("type", .string(event.type.rawValue)),
            ("seq", .int(event.seq)),
            ("conversation_sid", JSONValue(event.conversationSid)),
            ("date_created", JSONValue(event.dateCreated)),
            (kind, resource),
        ])
    }

    static func typing(_ signal: TypingSignal) -> JSONValue {
        .object([
            ("type", .string(signal.kind.rawValue)),
            ("conversation_sid", .string(signal.conversationSid)),
            ("participant_sid", .string(signal.participantSid)),
            ("identity", .string(signal.identity)),
        ])
    }

    static func connected(identity: String, latestSeq: Int64, expiresAt: Timestamp) -> JSONValue {
        .object([
            ("type", "connected"), ("identity", .string(identity)), ("latest_seq", .int(latestSeq)), ("token_expires_at", JSONValue(expiresAt)),
        ])
    }

    static func resyncRequired(latestSeq: Int64) -> JSONValue {
        .object([("type", "resyncRequired"), ("latest_seq", .int(latestSeq))])
    }

    static func token(_ type: String, expiresAt: Timestamp) -> JSONValue {
        .object([("type", .string(type)), ("expires_at", JSONValue(expiresAt))])
    }

    static func error(_ error: TwilioError) -> JSONValue {
        .object([("type", "error"), ("code", .int(Int64(error.code))), ("message", .string(error.message)), ("status", .int(Int64(error.status.code)))])
    }
}

/// What a client may send.
enum ChatClientFrame: Equatable {
    /// The user is typing in a conversation.
    case typing(conversation: String)
    /// A fresh access token for the same identity, before the current one expires.
    case updateToken(String)

    /// Parses a text frame; throws a `ParleyError` that says what is wrong with it.
    init(text: String) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw ParleyError.invalidParameter(name: "frame", reason: "must be a JSON object with a type")
        }
        switch object["type"] as? String {
        case "typing":
            guard let conversation = object["conversation_sid"] as? String, !conversation.isEmpty else {
                throw ParleyError.invalidParameter(name: "conversation_sid", reason: "is required with typing")
            }
            if conversation.utf8.contains(0) { throw ParleyError.containsNUL(name: "conversation_sid") }
            self = .typing(conversation: conversation)
        case "updateToken":
            guard let token = object["token"] as? String, !token.isEmpty else {
                throw ParleyError.invalidParameter(name: "token", reason: "is required with updateToken")
            }
            self = .updateToken(token)
        case let type?:
            throw ParleyError.invalidParameter(name: "type", reason: "unknown frame type '\(type.prefix(64))': expected typing or updateToken")
        case nil:
            throw ParleyError.invalidParameter(name: "type", reason: "is required")
        }
    }
}
