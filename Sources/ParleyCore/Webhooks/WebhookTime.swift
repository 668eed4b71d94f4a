import Foundation

/// A moment with millisecond precision, for retry schedules (seconds are too coarse for short backoffs).
/// Stored as ISO 8601 text with milliseconds (`2026-12-01T13:00:00.250Z`), which sorts as it reads.
public struct WebhookTime: Sendable, Hashable, Comparable {
    public var millisecondsSince1970: Int64

    public init(millisecondsSince1970: Int64) {
        self.millisecondsSince1970 = millisecondsSince1970
    }

    public static var now: WebhookTime { WebhookTime(millisecondsSince1970: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }

    public func adding(seconds: Double) -> WebhookTime {
        WebhookTime(millisecondsSince1970: millisecondsSince1970 + Int64((seconds * 1000).rounded()))
    }

    /// `2026-12-01T13:00:00.250Z`.
    public var iso8601: String {
        let seconds = Int64((Double(millisecondsSince1970) / 1000).rounded(.down))
        let millis = millisecondsSince1970 - seconds * 1000
        let text = Timestamp(secondsSince1970: seconds).description
        let digits = String(millis)
        return String(text.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Reads `iso8601` back.
    public init?(iso8601 text: String) {
        guard text.count == 24, text.hasSuffix("Z"), let dot = text.lastIndex(of: "."),
            let whole = Timestamp(iso8601: String(text[..<dot]) + "Z"), let millis = Int64(text[text.index(after: dot)...].dropLast())
        else { return nil }
        self.millisecondsSince1970 = whole.secondsSince1970 * 1000 + millis
    }

    public static func < (lhs: WebhookTime, rhs: WebhookTime) -> Bool { lhs.millisecondsSince1970 < rhs.millisecondsSince1970 }
}
