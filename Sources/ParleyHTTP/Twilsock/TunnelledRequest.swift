import Foundation
import ParleyCore

/// An HTTP request carried by a twilsock `message` frame (`http_request {host, path, method, params, headers}`, the
/// body as payload). The host is ignored: the SDK starts with Twilio's default hosts and then follows Parley's links,
/// so requests are routed by path alone.
struct TunnelledRequest: Sendable {
    var method: String
    /// The path's segments, percent-decoded (`/v3/Maps/alice.x` is `["v3", "Maps", "alice.x"]`).
    var segments: [String]
    /// Query parameters, percent-decoded; the first value of a repeated name.
    var params: [String: String]
    /// Header names lower-cased.
    var headers: [String: String]
    var body: [UInt8]

    /// Reads the request of a `message` frame; throws `ParleyError.invalidParameter` when it has none.
    init(frame: TwilsockFrame) throws {
        guard let request = frame.header["http_request"] as? [String: Any], let method = request["method"] as? String,
            let path = request["path"] as? String
        else { throw ParleyError.invalidParameter(name: "http_request", reason: "a message needs http_request with method and path") }
        self.method = method.uppercased()
        let pathOnly = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        segments = pathOnly.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        var params: [String: String] = [:]
        for (name, value) in (request["params"] as? [String: Any]) ?? [:] {
            let first = (value as? [Any])?.first ?? value
            let text = (first as? String) ?? (first as? NSNumber)?.stringValue ?? ""
            params[name] = (text.replacingOccurrences(of: "+", with: " ")).removingPercentEncoding ?? text
        }
        self.params = params
        // As on plain HTTP (`NULCharacterMiddleware`): a decoded NUL would reach SQLite as the end of a C string.
        if segments.contains(where: { $0.utf8.contains(0) }) { throw ParleyError.containsNUL(name: "path") }
        if let name = params.first(where: { $0.key.utf8.contains(0) || $0.value.utf8.contains(0) })?.key {
            throw ParleyError.containsNUL(name: name)
        }
        var headers: [String: String] = [:]
        for (name, value) in (request["headers"] as? [String: Any]) ?? [:] {
            if let value = value as? String { headers[name.lowercased()] = value }
        }
        self.headers = headers
        body = frame.payload
    }

    init(method: String, path: String, params: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        segments = path.split(separator: "/").map(String.init)
        self.params = params
        self.headers = headers
        self.body = body
    }

    var path: String { "/" + segments.joined(separator: "/") }

    /// The body's fields: a JSON object (the SDK's writes), or a form (`typing`'s `ChannelSid=CH...`). Values that are
    /// not strings (numbers, null, arrays) are kept as JSON values; a body that is neither answers 400.
    func fields() throws -> [String: Any] {
        guard !body.isEmpty else { return [:] }
        if body.first == UInt8(ascii: "{") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
                throw ParleyError.invalidParameter(name: "body", reason: "is not a valid JSON object")
            }
            return object
        }
        var fields: [String: Any] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            if let name = parts.first, !name.isEmpty { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}

/// The answer to a tunnelled request: an HTTP status and a JSON body, sent back in a `reply` frame.
struct TunnelledResponse: Sendable {
    var status: Int
    /// The body, serialized JSON.
    var body: [UInt8]

    static func ok(_ body: JSONValue) -> TunnelledResponse { TunnelledResponse(status: 200, body: body) }

    init(status: Int, body: JSONValue) {
        self.status = status
        self.body = body.utf8
    }

    init(status: Int, bytes: [UInt8]) {
        self.status = status
        body = bytes
    }

    /// A Twilio error body with its status.
    init(_ error: TwilioError) {
        self.init(status: Int(error.status.code), body: error.body)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A string field; nil when absent or JSON null. Anything else that is not a string is a 400 naming the field.
    func string(_ name: String) throws -> String? {
        switch self[name] {
        case nil, is NSNull: return nil
        case let value as String:
            if value.utf8.contains(0) { throw ParleyError.containsNUL(name: name) }
            return value
        default: throw ParleyError.invalidParameter(name: name, reason: "must be a string")
        }
    }

    /// An integer field; nil when absent or JSON null.
    func integer(_ name: String) throws -> Int64? {
        switch self[name] {
        case nil, is NSNull: return nil
        case let value as NSNumber where value.doubleValue == value.doubleValue.rounded(): return value.int64Value
        case let value as String: if let number = Int64(value) { return number }
        default: break
        }
        throw ParleyError.invalidParameter(name: name, reason: "must be an integer")
    }
}
