/// A Conversation Service (`IS...`): an opaque partition. Nothing in one Service sees another.
public struct ChatService: Sendable, Equatable {
    public var sid: String
    public var accountSid: String
    public var friendlyName: String
    public var configuration: ServiceConfiguration
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp
}

/// Per-Service settings (`/v1/Services/{IS}/Configuration`): the roles new members get.
public struct ServiceConfiguration: Sendable, Equatable {
    public var defaultConversationCreatorRoleSid: String?
    public var defaultConversationRoleSid: String?
    public var defaultChatServiceRoleSid: String?
    public var reachabilityEnabled: Bool

    public init(defaultConversationCreatorRoleSid: String? = nil, defaultConversationRoleSid: String? = nil,
                defaultChatServiceRoleSid: String? = nil, reachabilityEnabled: Bool = false) {
        self.defaultConversationCreatorRoleSid = defaultConversationCreatorRoleSid
        self.defaultConversationRoleSid = defaultConversationRoleSid
        self.defaultChatServiceRoleSid = defaultChatServiceRoleSid
        self.reachabilityEnabled = reachabilityEnabled
    }
}
