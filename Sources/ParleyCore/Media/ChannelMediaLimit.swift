/// What one outbound messaging channel can carry (Twilio's documented limits): a message whose media exceeds it is
/// still stored for chat, and that channel's delivery fails with the reason's error code on its receipt.
public struct ChannelMediaLimit: Sendable, Equatable {
    public var maxItems: Int
    public var maxItemBytes: Int64
    public var maxTotalBytes: Int64
    /// Exact content types the channel accepts; empty means any.
    public var contentTypes: Set<String>

    /// MMS: at most 10 files, 5 MB in all, the types carriers pass reliably.
    public static let sms = ChannelMediaLimit(
        maxItems: 10, maxItemBytes: 5_000_000, maxTotalBytes: 5_000_000,
        contentTypes: ["image/jpeg", "image/jpg", "image/png", "image/gif", "audio/mpeg", "audio/mp3", "audio/amr", "video/mp4", "application/pdf"])
    /// WhatsApp: one file per message, up to 16 MB.
    public static let whatsapp = ChannelMediaLimit(maxItems: 1, maxItemBytes: 16_000_000, maxTotalBytes: 16_000_000, contentTypes: [])
    /// Other channels (Messenger, generic gateways): one file up to 25 MB.
    public static let other = ChannelMediaLimit(maxItems: 1, maxItemBytes: 25_000_000, maxTotalBytes: 25_000_000, contentTypes: [])

    /// Why `media` cannot go out on this channel, with Twilio's error code, or nil when it can: 21623 too many
    /// files, 30019 content size exceeds the carrier limit, 12300 a content type the channel does not carry.
    public func violation(for media: [Media]) -> (code: Int, reason: String)? {
        if media.count > maxItems { return (21623, "the channel takes at most \(maxItems) media per message, not \(media.count)") }
        if let item = media.first(where: { $0.size > maxItemBytes }) {
            return (30019, "media \(item.sid) is \(item.size) bytes; the channel takes at most \(maxItemBytes) per item")
        }
        let total = media.reduce(Int64(0)) { $0 + $1.size }
        if total > maxTotalBytes { return (30019, "the media total \(total) bytes; the channel takes at most \(maxTotalBytes)") }
        if !contentTypes.isEmpty, let item = media.first(where: { !contentTypes.contains(MediaLimits.bareType($0.contentType)) }) {
            return (12300, "content type \(item.contentType) of \(item.sid) is not carried on this channel")
        }
        return nil
    }
}
