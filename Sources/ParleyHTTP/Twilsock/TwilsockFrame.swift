import Foundation

/// One twilsock v3 message: `TWILSOCK V3.0 <header byte length>\r\n<JSON header>\r\n<payload>`, one per WebSocket
/// message (binary; the SDK never sends text, but a text message with the same bytes is read the same way).
struct TwilsockFrame: @unchecked Sendable {
    /// The decoded JSON header (`id`, `method`, `payload_size`, `payload_type`, and the method's own fields).
    var header: [String: Any]
    /// The payload bytes (`payload_size` of them).
    var payload: [UInt8]

    var id: String? { header["id"] as? String }
    var method: String? { header["method"] as? String }

    /// Why a frame could not be read: the connection is closed with twilsock's 406 ("can't parse protocol").
    struct Malformed: Error, Equatable {
        var reason: String
    }

    static let magic = Array("TWILSOCK V3.0 ".utf8)
    private static let crlf: [UInt8] = [13, 10]

    /// Reads a frame; throws `Malformed` saying what is wrong with it.
    init(bytes: [UInt8]) throws {
        guard bytes.starts(with: Self.magic) else { throw Malformed(reason: "a frame must start with 'TWILSOCK V3.0 <header size>\\r\\n'") }
        var cursor = Self.magic.count
        var headerSize = 0
        var digits = 0
        while cursor < bytes.count, let digit = Self.digit(bytes[cursor]), digits < 9 {
            headerSize = headerSize * 10 + digit
            cursor += 1
            digits += 1
        }
        guard digits > 0, bytes.count >= cursor + 2, bytes[cursor] == 13, bytes[cursor + 1] == 10 else {
            throw Malformed(reason: "the header size must be a decimal number followed by \\r\\n")
        }
        cursor += 2
        guard bytes.count >= cursor + headerSize else { throw Malformed(reason: "the frame is shorter than its header size") }
        let headerBytes = bytes[cursor..<cursor + headerSize]
        guard let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any] else {
            throw Malformed(reason: "the header is not a JSON object")
        }
        cursor += headerSize
        let payloadSize = (header["payload_size"] as? NSNumber)?.intValue ?? 0
        guard payloadSize >= 0 else { throw Malformed(reason: "payload_size must not be negative") }
        var payload: [UInt8] = []
        if payloadSize > 0 {
            guard bytes.count >= cursor + 2 + payloadSize, bytes[cursor] == 13, bytes[cursor + 1] == 10 else {
                throw Malformed(reason: "the payload is shorter than payload_size")
            }
            payload = Array(bytes[cursor + 2..<cursor + 2 + payloadSize])
        }
        self.header = header
        self.payload = payload
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (48...57).contains(byte) ? Int(byte - 48) : nil
    }

    /// Serializes a frame. `header` is written in order; `payload_size` (and `payload_type` for a payload) are added.
    static func encode(_ header: [(String, JSONValue)], payload: [UInt8] = [], payloadType: String = "application/json") -> [UInt8] {
        var fields = header
        fields.append(("payload_size", .int(Int64(payload.count))))
        if !payload.isEmpty { fields.append(("payload_type", .string(payloadType))) }
        let headerBytes = JSONValue.object(fields).utf8
        var frame = Self.magic + Array(String(headerBytes.count).utf8) + crlf + headerBytes + crlf
        frame += payload
        return frame
    }
}
