/// What Parley accepts as media. Defaults follow Twilio's documented chat limit (any item up to 150 MB); the
/// ten-per-message cap is what Twilio's SDK allows.
public struct MediaLimits: Sendable, Equatable {
    /// The largest media item, in bytes.
    public var maxItemBytes: Int64
    /// The most media bytes one message may carry in all.
    public var maxMessageBytes: Int64
    /// The most media items on one message.
    public var maxItemsPerMessage: Int
    /// Content types accepted on upload: exact (`application/pdf`) or a family (`image/*`, `application/vnd.ms-*`). A
    /// family never admits a scriptable type (`MediaContentType.isScriptable`: SVG, HTML, XML, JavaScript); only an
    /// exact entry does.
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

    /// The type to store for `contentType` when it is one well-formed `type/subtype` (see `MediaContentType`) on the
    /// allow-list; nil otherwise.
    public func acceptedContentType(_ contentType: String) -> MediaContentType? {
        guard let type = MediaContentType(parsing: contentType) else { return nil }
        let essence = type.essence
        let allowed = allowedContentTypes.contains { entry in
            let pattern = entry.trimmingCharacters(in: .whitespaces).lowercased()
            if pattern == essence { return true }
            return pattern.hasSuffix("*") && essence.hasPrefix(pattern.dropLast()) && !type.isScriptable
        }
        return allowed ? type : nil
    }

    /// Whether `contentType` is accepted (`acceptedContentType` gives the form to store).
    public func allows(contentType: String) -> Bool {
        acceptedContentType(contentType) != nil
    }

    /// `image/png; charset=x` -> `image/png`, lower-cased.
    static func bareType(_ contentType: String) -> String {
        MediaContentType(parsing: contentType)?.essence ?? contentType.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
