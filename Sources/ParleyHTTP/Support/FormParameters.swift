import Hummingbird
import NIOCore
import ParleyCore

/// The parameters of a request as Twilio clients send them: `application/x-www-form-urlencoded`,
/// PascalCase names with dots (`MessagingBinding.Address`), arrays as repeated keys
/// (`Permission=a&Permission=b`), booleans as `true`/`false`. GET reads the query string; POST the body.
struct FormParameters: Sendable {
    private(set) var pairs: [(name: String, value: String)]

    init(pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// Parses `a=1&b=2`; a malformed percent escape is refused rather than guessed at.
    init(encoded text: Substring) throws {
        var pairs: [(String, String)] = []
        for field in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw ParleyError.malformedBody(reason: "invalid percent-encoding in '\(field.prefix(64))'")
            }
            // Refused here, for every parameter at once: the store would keep the text only up to the NUL.
            if name.utf8.contains(0) || value.utf8.contains(0) { throw ParleyError.containsNUL(name: name.utf8.contains(0) ? "name" : name) }
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    /// The request's parameters: the query string of a GET or DELETE, the form body of a POST.
    static func read(_ request: Request, limit: Int) async throws -> FormParameters {
        if request.method != .post {
            return try FormParameters(encoded: Substring(request.uri.query ?? ""))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw ParleyError.bodyTooLarge(limit: limit)
        }
        if body.readableBytes == 0 { return FormParameters(pairs: []) }
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType.isEmpty || mediaType == "application/x-www-form-urlencoded" else {
            throw ParleyError.unsupportedContentType(contentType)
        }
        guard let text = body.getString(at: body.readerIndex, length: body.readableBytes), text.utf8.allSatisfy({ $0 < 0x80 }) else {
            throw ParleyError.malformedBody(reason: "a form body must be ASCII with percent-encoded UTF-8")
        }
        return try FormParameters(encoded: Substring(text))
    }

    /// The last value given for `name`.
    func string(_ name: String) -> String? {
        pairs.last { $0.name == name }?.value
    }

    /// Every value given for `name`, in order.
    func strings(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    func int(_ name: String) throws -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = Int64(text) else { throw ParleyError.invalidParameter(name: name, reason: "must be an integer") }
        return value
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw ParleyError.invalidParameter(name: name, reason: "must be true or false")
        }
    }

    func timestamp(_ name: String) throws -> Timestamp? {
        guard let text = string(name) else { return nil }
        guard let value = Timestamp(iso8601: text) else {
            throw ParleyError.invalidParameter(name: name, reason: "must be an ISO 8601 date-time such as 2015-12-16T22:18:37Z")
        }
        return value
    }

    func enumeration<Value: RawRepresentable>(_ name: String, _ type: Value.Type) throws -> Value?
    where Value.RawValue == String, Value: CaseIterable {
        guard let text = string(name) else { return nil }
        guard let value = Value(rawValue: text) ?? Value(rawValue: text.lowercased()) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ParleyError.invalidParameter(name: name, reason: "must be one of \(allowed)")
        }
        return value
    }

    /// `+` is a space; `%XX` a byte; the bytes must be UTF-8.
    private static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Percent-encoding for query values in the URLs Parley writes (`next_page_url` and friends).
enum QueryEncoding {
    static func encode(_ value: String) -> String {
        PercentEncoding.encode(value)
    }
}
