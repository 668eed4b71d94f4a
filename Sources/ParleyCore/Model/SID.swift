/// The two-letter prefixes of Twilio SIDs, one per resource kind.
public enum SIDPrefix: String, Sendable, CaseIterable {
    case account = "AC"
    case apiKey = "SK"
    case service = "IS"
    case conversation = "CH"
    case participant = "MB"
    case message = "IM"
    case user = "US"
    case role = "RL"
    case messagingService = "MG"
    case media = "ME"
    case content = "HX"
    case webhook = "WH"
    case studioFlow = "FW"
    case credential = "CR"
    case binding = "BS"
}

/// Twilio-style identifiers: a two-letter prefix and 32 lower-case hex digits.
public enum SID {
    /// A fresh SID for `prefix`. The first 12 hex digits are the creation time in milliseconds, so new
    /// rows land at the end of the SID index (cheaper inserts, see sqlite-limits.md); the other 80 bits are random.
    public static func make(_ prefix: SIDPrefix, now: Timestamp = .now) -> String {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, now.millisecondsSince1970)) & 0xFFFF_FFFF_FFFF
        let high = generator.next() & 0xFFFF_FFFF
        let low = generator.next()
        return prefix.rawValue + hex(millis, digits: 12) + hex(high, digits: 8) + hex(low, digits: 12)
    }

    /// A random secret of 32 lower-case hex digits (auth tokens, API key secrets).
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex(generator.next(), digits: 16) + hex(generator.next(), digits: 16)
    }

    /// Whether `value` is a well-formed SID with `prefix` (the spec's `^XX[0-9a-fA-F]{32}$`).
    public static func isValid(_ value: String, _ prefix: SIDPrefix) -> Bool {
        let utf8 = value.utf8
        guard utf8.count == 34, value.hasPrefix(prefix.rawValue) else { return false }
        return utf8.dropFirst(2).allSatisfy { byte in
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
        }
    }

    /// Whether `value` looks like any SID of `prefix` in lower-case form: unique names and identities
    /// must not, so that a path segment is never ambiguous.
    public static func looksLike(_ value: String, _ prefix: SIDPrefix) -> Bool {
        isValid(value, prefix)
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        let trimmed = text.count > digits ? String(text.suffix(digits)) : text
        return String(repeating: "0", count: digits - trimmed.count) + trimmed
    }
}
