import Foundation

/// A media item (Twilio's Media Content Service resource, `ME` sid): a file uploaded to a Service and attached to at
/// most one message. Its bytes are content-addressed files (`MediaFiles`); this is the metadata.
public struct Media: Sendable, Equatable {
    public var sid: String
    public var serviceSid: String
    public var contentType: String
    public var filename: String?
    /// Bytes; for an external reference, what the channel declared (0 when unknown).
    public var size: Int64
    /// The content's SHA-256 in hex; nil for an external reference.
    public var sha256: String?
    /// Where the bytes are when Parley could not fetch them (inbound channel media).
    public var externalURL: String?
    /// The uploader: a chat identity, or `system` for admin uploads.
    public var author: String
    public var messageSid: String?
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp

    public init(
        sid: String, serviceSid: String, contentType: String, filename: String?, size: Int64, sha256: String?, externalURL: String? = nil,
        author: String, messageSid: String? = nil, dateCreated: Timestamp, dateUpdated: Timestamp
    ) {
        self.sid = sid
        self.serviceSid = serviceSid
        self.contentType = contentType
        self.filename = filename
        self.size = size
        self.sha256 = sha256
        self.externalURL = externalURL
        self.author = author
        self.messageSid = messageSid
        self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated
    }
}

/// One entry of a message's `media` list, as Twilio shows it: `{"sid","size","content_type","filename","category"}`.
public struct MessageMedia: Codable, Sendable, Equatable {
    public var sid: String
    public var size: Int64
    public var contentType: String
    public var filename: String?
    public var category: String

    enum CodingKeys: String, CodingKey {
        case sid, size, filename, category
        case contentType = "content_type"
    }

    public init(_ media: Media) {
        self.sid = media.sid
        self.size = media.size
        self.contentType = media.contentType
        self.filename = media.filename
        self.category = "media"
    }
}

extension Message {
    /// The media list stored with the message (`media`, a JSON array); empty without media.
    public var mediaItems: [MessageMedia] {
        guard let media else { return [] }
        return (try? JSONDecoder().decode([MessageMedia].self, from: Data(media.utf8))) ?? []
    }

    /// The stored form of a media list: a JSON array, or nil when empty.
    static func mediaJSON(_ items: [MessageMedia]) throws -> String? {
        guard !items.isEmpty else { return nil }
        return String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
    }
}
