/// The webhook side of the changes the services make: post-action outbox rows that need more than one line, and the
/// pre-action calls made before a change's transaction (each returns the changes as the webhook left them).
extension EventRecorder {
    // MARK: - Post-action

    func conversationAdded(_ conversation: Conversation, now: Timestamp, in tx: StoreTransaction) throws {
        try webhook(
            .onConversationAdded, WebhookParameters.conversation(conversation), serviceSid: conversation.serviceSid, conversationSid: conversation.sid,
            now: now, in: tx)
    }

    /// `onConversationUpdated`, and `onConversationStateUpdated` (reason `API`) when the state changed.
    func conversationUpdated(_ conversation: Conversation, stateBefore: ConversationState, now: Timestamp, in tx: StoreTransaction) throws {
        try webhook(
            .onConversationUpdated, WebhookParameters.conversation(conversation), serviceSid: conversation.serviceSid,
            conversationSid: conversation.sid, now: now, in: tx)
        if conversation.state != stateBefore {
            try webhook(
                .onConversationStateUpdated, WebhookParameters.stateUpdate(conversation, from: stateBefore, reason: "API", at: now),
                serviceSid: conversation.serviceSid, conversationSid: conversation.sid, now: now, in: tx)
        }
    }

    // MARK: - Pre-action

    /// `onMessageAdd`: the hook may change `body`, `author` and `attributes`.
    func beforeMessageAdd(
        _ changes: MessageService.Changes, store: Store, conversation: @escaping @Sendable (StoreTransaction) throws -> Conversation
    ) async throws -> MessageService.Changes {
        let modified = try await before(.onMessageAdd, store: store) { tx in
            let conversation = try conversation(tx)
            return (
                conversation.serviceSid,
                WebhookParameters.newMessage(author: changes.author ?? "system", body: changes.body, attributes: changes.attributes, conversation: conversation)
            )
        }
        guard !modified.isEmpty else { return changes }
        let changed = Self.messageChanges(changes, modifiedBy: modified)
        try MessageService.validateNew(changed)
        return changed
    }

    /// `onConversationAdd`: the hook may change `friendly_name`.
    func beforeConversationAdd(
        _ changes: ConversationService.Changes, store: Store, service: @escaping @Sendable (StoreTransaction) throws -> ChatService
    ) async throws -> ConversationService.Changes {
        let modified = try await before(.onConversationAdd, store: store) { tx in
            let service = try service(tx)
            return (
                service.sid,
                WebhookParameters.newConversation(
                    friendlyName: changes.friendlyName, uniqueName: changes.uniqueName, attributes: changes.attributes, serviceSid: service.sid)
            )
        }
        guard let name = modified["friendly_name"] ?? modified["friendlyName"] else { return changes }
        var changes = changes
        changes.friendlyName = name
        try ConversationService.validate(changes, creating: true)
        return changes
    }

    /// `onParticipantAdd`: the hook may only let it happen or not.
    func beforeParticipantAdd(
        _ changes: ParticipantService.Changes, store: Store, conversation: @escaping @Sendable (StoreTransaction) throws -> Conversation
    ) async throws -> ParticipantService.Changes {
        _ = try await before(.onParticipantAdd, store: store) { tx in
            let conversation = try conversation(tx)
            return (
                conversation.serviceSid,
                WebhookParameters.newParticipant(
                    identity: changes.identity, address: changes.address, proxyAddress: changes.proxyAddress, attributes: changes.attributes,
                    conversation: conversation)
            )
        }
        return changes
    }
}

extension EventRecorder {
    /// A pre-action event on something that exists (`onMessageUpdate`, `onConversationRemove`, ...): `subject` reads
    /// its Service and the parameters to send. Returns the changes the answers ask for; throws when one rejects.
    func before(
        _ event: WebhookEvent, store: Store,
        _ subject: @escaping @Sendable (StoreTransaction) throws -> (serviceSid: String, parameters: [(name: String, value: String)])
    ) async throws -> [String: String] {
        guard origin.firesWebhooks else { return [:] }
        let (serviceSid, parameters) = try await store.read(subject)
        return try await webhooks.preAction(event, parameters, origin: origin, serviceSid: serviceSid)
    }

    /// `onMessageUpdate`: the message as the update would leave it; the hook may change `body`, `author` and `attributes`.
    func beforeMessageUpdate(
        _ changes: MessageService.Changes, store: Store, message: @escaping @Sendable (StoreTransaction) throws -> (Message, Conversation)
    ) async throws -> MessageService.Changes {
        let modified = try await before(.onMessageUpdate, store: store) { tx in
            var (message, conversation) = try message(tx)
            if let body = changes.body { message.body = body }
            if let author = changes.author { message.author = author }
            if let attributes = changes.attributes { message.attributes = attributes }
            return (conversation.serviceSid, WebhookParameters.message(message, conversation: conversation))
        }
        guard !modified.isEmpty else { return changes }
        let changed = Self.messageChanges(changes, modifiedBy: modified)
        try MessageService.validate(changed)
        return changed
    }

    /// A message's changes with what a pre-action hook's answer rewrote: `body`, `author`, `attributes`.
    private static func messageChanges(_ changes: MessageService.Changes, modifiedBy modified: [String: String]) -> MessageService.Changes {
        var changes = changes
        if let body = modified["body"] { changes.body = body }
        if let author = modified["author"] { changes.author = author }
        if let attributes = modified["attributes"] { changes.attributes = attributes }
        return changes
    }
}
