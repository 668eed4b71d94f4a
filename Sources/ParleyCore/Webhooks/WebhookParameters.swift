/// The parameters Twilio sends for each kind of resource, PascalCase as on the wire. Absent values are left out.
enum WebhookParameters {
    typealias Parameters = [(name: String, value: String)]

    static func message(_ message: Message, conversation: Conversation, removedAt: Timestamp? = nil) -> Parameters {
        var parameters: Parameters = [
            ("ChatServiceSid", message.serviceSid), ("ConversationSid", message.conversationSid), ("MessageSid", message.sid),
            ("Index", String(message.index)), ("Author", message.author),
        ]
        add(&parameters, "Body", message.body)
        add(&parameters, "ParticipantSid", message.participantSid)
        parameters.append(("Attributes", message.attributes))
        add(&parameters, "Media", message.media)
        add(&parameters, "MessagingServiceSid", conversation.messagingServiceSid)
        parameters.append(("DateCreated", message.dateCreated.description))
        add(&parameters, "DateUpdated", message.dateUpdated?.description)
        add(&parameters, "DateRemoved", removedAt?.description)
        return parameters
    }

    /// A message about to be added (pre-action `onMessageAdd`): no SID or index yet.
    static func newMessage(author: String, body: String?, attributes: String?, conversation: Conversation) -> Parameters {
        var parameters: Parameters = [("ChatServiceSid", conversation.serviceSid), ("ConversationSid", conversation.sid), ("Author", author)]
        add(&parameters, "Body", body)
        parameters.append(("Attributes", attributes ?? "{}"))
        add(&parameters, "MessagingServiceSid", conversation.messagingServiceSid)
        return parameters
    }

    static func conversation(_ conversation: Conversation, removedAt: Timestamp? = nil) -> Parameters {
        var parameters: Parameters = [("ChatServiceSid", conversation.serviceSid), ("ConversationSid", conversation.sid)]
        add(&parameters, "FriendlyName", conversation.friendlyName)
        add(&parameters, "UniqueName", conversation.uniqueName)
        parameters.append(("Attributes", conversation.attributes))
        add(&parameters, "MessagingServiceSid", conversation.messagingServiceSid)
        parameters.append(("State", conversation.state.rawValue))
        parameters.append(("DateCreated", conversation.dateCreated.description))
        parameters.append(("DateUpdated", conversation.dateUpdated.description))
        add(&parameters, "DateRemoved", removedAt?.description)
        return parameters
    }

    /// A conversation as an update would leave it (pre-action `onConversationUpdate`).
    static func conversation(_ conversation: Conversation, changedBy changes: ConversationService.Changes) -> Parameters {
        var updated = conversation
        if let name = changes.friendlyName { updated.friendlyName = name }
        if let name = changes.uniqueName { updated.uniqueName = name }
        if let attributes = changes.attributes { updated.attributes = attributes }
        if let state = changes.state { updated.state = state }
        return Self.conversation(updated)
    }

    /// A conversation about to be created (pre-action `onConversationAdd`).
    static func newConversation(friendlyName: String?, uniqueName: String?, attributes: String?, serviceSid: String) -> Parameters {
        var parameters: Parameters = [("ChatServiceSid", serviceSid)]
        add(&parameters, "FriendlyName", friendlyName)
        add(&parameters, "UniqueName", uniqueName)
        parameters.append(("Attributes", attributes ?? "{}"))
        return parameters
    }

    /// `onConversationStateUpdated`: the conversation plus `StateFrom`, `StateTo`, `Reason` (`API`, `TIMER`, `EVENT`).
    static func stateUpdate(_ conversation: Conversation, from: ConversationState, reason: String, at now: Timestamp) -> Parameters {
        Self.conversation(conversation) + [
            ("StateFrom", from.rawValue), ("StateTo", conversation.state.rawValue), ("Reason", reason), ("StateUpdated", now.description),
        ]
    }

    static func participant(_ participant: Participant, removedAt: Timestamp? = nil, withReadHorizon: Bool = false) -> Parameters {
        var parameters: Parameters = [
            ("ChatServiceSid", participant.serviceSid), ("ConversationSid", participant.conversationSid), ("ParticipantSid", participant.sid),
        ]
        add(&parameters, "Identity", participant.identity)
        add(&parameters, "RoleSid", participant.roleSid)
        parameters.append(("Attributes", participant.attributes))
        if let binding = participant.binding {
            add(&parameters, "MessagingBinding.Address", binding.address)
            add(&parameters, "MessagingBinding.ProxyAddress", binding.proxyAddress)
            add(&parameters, "MessagingBinding.ProjectedAddress", binding.projectedAddress)
        }
        parameters.append(("MessagingBinding.Type", participant.channel.rawValue.uppercased()))
        if withReadHorizon { add(&parameters, "LastReadMessageIndex", participant.lastReadMessageIndex.map(String.init)) }
        parameters.append(("DateCreated", participant.dateCreated.description))
        parameters.append(("DateUpdated", participant.dateUpdated.description))
        add(&parameters, "DateRemoved", removedAt?.description)
        return parameters
    }

    /// A participant about to be added (pre-action `onParticipantAdd`).
    static func newParticipant(identity: String?, address: String?, proxyAddress: String?, attributes: String?, conversation: Conversation) -> Parameters {
        var parameters: Parameters = [("ChatServiceSid", conversation.serviceSid), ("ConversationSid", conversation.sid)]
        add(&parameters, "Identity", identity)
        add(&parameters, "MessagingBinding.Address", address)
        add(&parameters, "MessagingBinding.ProxyAddress", proxyAddress)
        parameters.append(("Attributes", attributes ?? "{}"))
        return parameters
    }

    static func user(_ user: User) -> Parameters {
        var parameters: Parameters = [("ChatServiceSid", user.serviceSid), ("UserSid", user.sid), ("Identity", user.identity)]
        add(&parameters, "RoleSid", user.roleSid)
        parameters.append(("Attributes", user.attributes))
        add(&parameters, "FriendlyName", user.friendlyName)
        parameters.append(("DateCreated", user.dateCreated.description))
        parameters.append(("DateUpdated", user.dateUpdated.description))
        return parameters
    }

    private static func add(_ parameters: inout Parameters, _ name: String, _ value: String?) {
        if let value { parameters.append((name, value)) }
    }
}
