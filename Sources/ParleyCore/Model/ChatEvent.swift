/// A change a chat user's connected clients must see, kept durably in `user_events` and numbered by
/// `seq` (increasing for each user) so a client that reconnects resumes where it left off.
public struct ChatEvent: Sendable, Equatable {
    public var seq: Int64
    public var serviceSid: String
    /// The user it is for.
    public var identity: String
    public var type: ChatEventType
    public var conversationSid: String?
    /// The resource as it was when the change happened.
    public var resource: ChatEventResource
    public var dateCreated: Timestamp
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
