/// A message thread inside a Service.
public struct Conversation: Sendable, Equatable, Codable {
    public var sid: String
    public var serviceSid: String
    public var uniqueName: String?
    public var friendlyName: String?
    /// A JSON document, `{}` when unset.
    public var attributes: String
    public var state: ConversationState
    public var messagingServiceSid: String?
    public var timers: ConversationTimers
    public var emailBinding: EmailBinding?
    /// The chat identity that created the conversation; nil when it was made through the REST API.
    public var createdBy: String? = nil
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp
    /// The index the next message will get: one more than the last message's (never reused).
    public var nextMessageIndex: Int64 = 0

    /// The index of the newest message ever added, nil before the first.
    public var lastMessageIndex: Int64? { nextMessageIndex > 0 ? nextMessageIndex - 1 : nil }
}

public enum ConversationState: String, Sendable, CaseIterable, Codable {
    case initializing, active, inactive, closed
}

/// The inactive and closed timers as given (ISO 8601 durations) and when they fire next.
public struct ConversationTimers: Sendable, Equatable, Codable {
    public var inactive: String?
    public var closed: String?
    public var dateInactive: Timestamp?
    public var dateClosed: Timestamp?

    public init(inactive: String? = nil, closed: String? = nil, dateInactive: Timestamp? = nil, dateClosed: Timestamp? = nil) {
        self.inactive = inactive
        self.closed = closed
        self.dateInactive = dateInactive
        self.dateClosed = dateClosed
    }
}

/// The conversation's default email sender (`Bindings.Email.*`).
public struct EmailBinding: Sendable, Equatable, Codable {
    public var address: String?
    public var name: String?

    public init(address: String?, name: String?) {
        self.address = address
        self.name = name
    }
}
