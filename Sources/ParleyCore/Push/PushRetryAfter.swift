import Foundation

/// Reads a provider's `Retry-After` header (RFC 9110 §10.2.3): a number of seconds, or an HTTP date in any of the three
/// forms a recipient must accept (§5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms.
public enum RetryAfter {
    /// The date formats, IMF-fixdate first; runs of spaces are collapsed before matching (asctime pads the day).
    private static let dateFormats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]

    /// The wait the header asks for; nil when it is absent or unreadable. A date in the past is a zero wait.
    public static func parse(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let text = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard let date = dateFormats.lazy.compactMap({ date(text, format: $0, now: now) }).first else { return nil }
        return .milliseconds(max(0, Int64((date.timeIntervalSince(now) * 1000).rounded())))
    }

    private static func date(_ text: String, format: String, now: Date) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = format
        // RFC 850's two-digit year: one more than 50 years ahead is in the past (§5.6.7).
        formatter.twoDigitStartDate = now.addingTimeInterval(-50 * 365.25 * 86400)
        return formatter.date(from: text)
    }
}
