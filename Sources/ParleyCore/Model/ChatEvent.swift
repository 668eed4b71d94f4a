/// A change a chat user's connected clients must see, kept durably in `user_events` and numbered by
/// `seq` (increasing for each user) so a client that reconnects resumes where it left off.
public struct ChatEvent: Sendable, Equatable {
    public var seq: Int64
    public var serviceSid: String
    /// The user it is for; nil for every chat member of the conversation.
    public var identity: String?
    public var type: ChatEventType
    public var conversationSid: String?
    /// The resource as it was when the change happened.
    public var resource: ChatEventResource
    public var dateCreated: Timestamp
    /// Shared by the events of one change, so each connection's rendering of the resource is done once.
    public let renderCache: RenderCache

    public init(
        seq: Int64, serviceSid: String, identity: String?, type: ChatEventType, conversationSid: String?, resource: ChatEventResource,
        dateCreated: Timestamp, renderCache: RenderCache = RenderCache()
    ) {
        self.seq = seq
        self.serviceSid = serviceSid
        self.identity = identity
        self.type = type
        self.conversationSid = conversationSid
        self.resource = resource
        self.dateCreated = dateCreated
        self.renderCache = renderCache
    }

    public static func == (lhs: ChatEvent, rhs: ChatEvent) -> Bool {
        (lhs.seq, lhs.serviceSid, lhs.identity, lhs.type, lhs.conversationSid, lhs.dateCreated)
            == (rhs.seq, rhs.serviceSid, rhs.identity, rhs.type, rhs.conversationSid, rhs.dateCreated) && lhs.resource == rhs.resource
    }
}

public enum ChatEventType: String, Sendable, Codable, CaseIterable {
    case conversationAdded, conversationUpdated, conversationRemoved
    case participantJoined, participantUpdated, participantLeft
    case messageAdded, messageUpdated, messageRemoved
    case userUpdated
}

/// The resource an event carries.
public enum ChatEventResource: Sendable, Equatable, Codable {
    case conversation(Conversation)
    case participant(Participant)
    case message(Message)
    case user(User)
}
