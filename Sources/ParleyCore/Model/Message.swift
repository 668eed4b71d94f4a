/// A message in a Conversation, numbered by `index` (from 0, per conversation, never reused).
public struct Message: Sendable, Equatable, Codable {
    public var sid: String
    public var serviceSid: String
    public var conversationSid: String
    public var index: Int64
    public var author: String
    public var body: String?
    public var subject: String?
    public var attributes: String
    public var participantSid: String?
    /// The media items as Twilio lists them, a JSON array; nil without media.
    public var media: String?
    public var contentSid: String?
    public var dateCreated: Timestamp
    /// Nil until the message is edited.
    public var dateUpdated: Timestamp?
    /// The summary of its delivery receipts (JSON, `{"total":1,"sent":"all",...}`); nil without messaging recipients.
    public var delivery: String?

    public init(
        sid: String, serviceSid: String, conversationSid: String, index: Int64, author: String, body: String?, subject: String? = nil,
        attributes: String = "{}", participantSid: String? = nil, media: String? = nil, contentSid: String? = nil,
        dateCreated: Timestamp, dateUpdated: Timestamp? = nil
    ) {
        self.sid = sid
        self.serviceSid = serviceSid
        self.conversationSid = conversationSid
        self.index = index
        self.author = author
        self.body = body
        self.subject = subject
        self.attributes = attributes
        self.participantSid = participantSid
        self.media = media
        self.contentSid = contentSid
        self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated
    }
}
