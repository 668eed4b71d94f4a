import Foundation
import ParleyCore

/// The frames the server sends, by method.
enum TwilsockFrames {
    /// A fresh id for a server-initiated message (`TM` + 32 hex digits, like the SDK's own).
    static func newID() -> String { "TM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    static func status(_ code: Int, _ text: String) -> JSONValue {
        .object([("code", .int(Int64(code))), ("status", .string(text))])
    }

    /// A refusal: `status {code, status, errorCode, description}` as the SDK reads it (`errorCode` 20104 tells it the
    /// token expired).
    static func errorStatus(_ error: TwilioError) -> JSONValue {
        .object([
            ("code", .int(Int64(error.status.code))), ("status", .string(error.status.reasonPhrase)), ("errorCode", .int(Int64(error.code))),
            ("description", .string(error.message)),
        ])
    }

    static func initAccepted(id: String, continuationToken: String, reissued: Bool) -> [UInt8] {
        TwilsockFrame.encode([
            ("method", "reply"), ("id", .string(id)), ("status", status(200, "OK")), ("capabilities", .array(["client_update"])),
            ("continuation_token", .string(continuationToken)),
            ("continuation_token_status", .object([("reissued", .bool(reissued)), ("reissue_reason", reissued ? "MISSING" : .null)])),
        ])
    }

    /// A `reply` carrying only a status: an acknowledgement, or (non-2xx) a refusal of the client's message.
    static func reply(id: String, status: JSONValue) -> [UInt8] {
        TwilsockFrame.encode([("method", "reply"), ("id", .string(id)), ("status", status)])
    }

    /// The answer to a tunnelled request.
    static func httpReply(id: String, _ response: TunnelledResponse) -> [UInt8] {
        let code = response.status
        return TwilsockFrame.encode(
            [
                ("method", "reply"), ("id", .string(id)), ("status", status(200, "OK")),
                ("http_status", status(code, (200..<300).contains(code) ? "OK" : "ERROR")),
                ("http_headers", .object([("Content-Type", "application/json")])),
            ], payload: response.body)
    }

    static func notification(messageType: String, payload: JSONValue) -> [UInt8] {
        TwilsockFrame.encode(
            [("method", "notification"), ("id", .string(newID())), ("message_type", .string(messageType)), ("notification_ctx_id", "")],
            payload: payload.utf8)
    }

    static func ping() -> [UInt8] {
        TwilsockFrame.encode([("method", "ping"), ("id", .string(newID()))])
    }

    static func tokenAboutToExpire() -> [UInt8] {
        TwilsockFrame.encode([("method", "client_update"), ("id", .string(newID())), ("client_update_type", "token_about_to_expire")])
    }

    /// `close` with a status: 410 token expired, 406 unreadable protocol, 417 unreadable reply.
    static func close(_ code: Int, _ text: String) -> [UInt8] {
        TwilsockFrame.encode([("method", "close"), ("id", .string(newID())), ("status", status(code, text))])
    }
}
