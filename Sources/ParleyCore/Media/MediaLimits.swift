/// What Parley accepts as media. Defaults follow Twilio's documented chat limit (any item up to 150 MB); the
/// ten-per-message cap is what Twilio's SDK allows.
public struct MediaLimits: Sendable, Equatable {
    /// The largest media item, in bytes.
    public var maxItemBytes: Int64
    /// The most media bytes one message may carry in all.
    public var maxMessageBytes: Int64
    /// The most media items on one message.
    public var maxItemsPerMessage: Int
    /// Content types accepted on upload: exact (`application/pdf`) or a family (`image/*`).
    public var allowedContentTypes: [String]

    public init(
        maxItemBytes: Int64 = 150 * 1_000_000, maxMessageBytes: Int64 = 150 * 1_000_000, maxItemsPerMessage: Int = 10,
        allowedContentTypes: [String] = MediaLimits.defaultContentTypes
    ) {
        self.maxItemBytes = maxItemBytes
        self.maxMessageBytes = maxMessageBytes
        self.maxItemsPerMessage = maxItemsPerMessage
        self.allowedContentTypes = allowedContentTypes
    }

    /// Images, audio, video, PDF, plain text, calendars and contact cards, and office documents.
    public static let defaultContentTypes = [
        "image/*", "audio/*", "video/*", "application/pdf", "text/plain", "text/csv", "text/calendar", "text/vcard", "text/x-vcard",
        "application/msword", "application/vnd.openxmlformats-officedocument.*", "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint", "application/zip",
    ]

    /// Whether `contentType` (parameters such as `; charset=` ignored) is on the allow-list.
    public func allows(contentType: String) -> Bool {
        let type = Self.bareType(contentType)
        return allowedContentTypes.contains { pattern in
            let pattern = pattern.lowercased()
            if pattern.hasSuffix("*") { return type.hasPrefix(pattern.dropLast()) }
            return type == pattern
        }
    }

    /// `image/png; charset=x` -> `image/png`, lower-cased.
    static func bareType(_ contentType: String) -> String {
        String(contentType.split(separator: ";", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }
}
