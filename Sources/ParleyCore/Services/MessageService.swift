/// Messages (`/v1/Conversations/{CH}/Messages`, and the same under `/v1/Services/{IS}`).
public struct MessageService: Sendable {
    let store: Store
    let events: EventRecorder
    /// Attaching media, and removing the content of deleted messages' media.
    let media: MediaService
    let now: @Sendable () -> Timestamp

    /// The fields of a Message a request may set; nil leaves a field as it is (or unset on create).
    public struct Changes: Sendable {
        public var author: String?
        public var body: String?
        public var subject: String?
        public var attributes: String?
        public var mediaSids: [String] = []
        public var contentSid: String?
        public var contentVariables: String?
        public var dateCreated: Timestamp?
        public var dateUpdated: Timestamp?
        public init() {}
    }

    /// Appends a message: it takes the conversation's next index, inside the same transaction that inserts it.
    public func create(_ principal: Principal, _ scope: ServiceScope, conversation sidOrUniqueName: String, _ changes: Changes) async throws
        -> Message
    {
        try Self.validateNew(changes)
        let events = self.events.acting(principal)
        let changes = try await events.beforeMessageAdd(changes, store: store) { tx in
            try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
        }
        let now = self.now()
        return try await store.write { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            return try Self.append(changes, to: conversation, events: events, mediaLimits: media.limits, now: now, tx: tx)
        }
    }

    public func fetch(_ principal: Principal, _ scope: ServiceScope, conversation: String, sid: String) async throws -> Message {
        try await store.read { tx in
            try tx.requireMessage(sid, in: tx.requireConversation(conversation, in: tx.resolveService(principal, scope)))
        }
    }

    public func list(_ principal: Principal, _ scope: ServiceScope, conversation: String, order: SortOrder, page: PageRequest) async throws
        -> Page<Message>
    {
        try await store.read { tx in
            try tx.messages(
                conversationSid: tx.requireConversation(conversation, in: tx.resolveService(principal, scope)).sid, order: order, page: page)
        }
    }

    public func update(_ principal: Principal, _ scope: ServiceScope, conversation sidOrUniqueName: String, sid: String, _ changes: Changes)
        async throws -> Message
    {
        try Self.validate(changes)
        let events = self.events.acting(principal)
        let changes = try await events.beforeMessageUpdate(changes, store: store) { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            return (try tx.requireMessage(sid, in: conversation), conversation)
        }
        let now = self.now()
        return try await store.write { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            let message = try tx.requireMessage(sid, in: conversation)
            return try Self.edit(message, in: conversation, changes, events: events, now: now, tx: tx)
        }
    }

    /// Deletes the message. Its index is not reused.
    public func delete(_ principal: Principal, _ scope: ServiceScope, conversation sidOrUniqueName: String, sid: String) async throws {
        let now = self.now()
        let events = self.events.acting(principal)
        _ = try await events.before(.onMessageRemove, store: store) { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            return (conversation.serviceSid, WebhookParameters.message(try tx.requireMessage(sid, in: conversation), conversation: conversation))
        }
        let removed = try await store.write { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            let message = try tx.requireMessage(sid, in: conversation)
            try Self.remove(message, from: conversation, events: events, now: now, tx: tx)
            return message
        }
        // Its media went with it; their content goes now if nothing else holds it.
        if removed.media != nil { try await media.collectGarbage() }
    }

    // MARK: - Shared with the client API (`ClientService`)

    /// Everything a new message is checked for before a transaction starts: sizes, JSON, content and media SIDs, and
    /// that there is something to send.
    static func validateNew(_ changes: Changes) throws {
        try validate(changes)
        try Validate.sid(changes.contentSid, .content, name: "ContentSid")
        if let variables = changes.contentVariables, !Validate.isJSON(variables) || !variables.hasPrefix("{") {
            throw ParleyError.invalidParameter(name: "ContentVariables", reason: "must be a JSON object")
        }
        for sid in changes.mediaSids { try Validate.sid(sid, .media, name: "MediaSid") }
        guard (changes.body.map { !$0.isEmpty } ?? false) || !changes.mediaSids.isEmpty || changes.contentSid != nil else {
            throw ParleyError.invalidParameter(name: "Body", reason: "a message needs a Body, media or a ContentSid")
        }
    }

    /// Appends a validated (`validateNew`) message to an open conversation: the next index, the conversation's
    /// activity, and `messageAdded` for its members. The author defaults to `system`.
    static func append(
        _ changes: Changes, to conversation: Conversation, events: EventRecorder, mediaLimits: MediaLimits, now: Timestamp, tx: StoreTransaction
    ) throws -> Message {
        var conversation = conversation
        guard conversation.state != .closed else { throw ParleyError.conversationClosed(sid: conversation.sid) }
        let author = changes.author ?? "system"
        let authorSid = try participantSid(author: author, conversation: conversation, tx: tx)
        let index = try tx.takeNextMessageIndex(conversationSid: conversation.sid, touchedAt: now)
        var message = Message(
            sid: SID.make(.message, now: now), serviceSid: conversation.serviceSid, conversationSid: conversation.sid, index: index, author: author,
            body: changes.contentSid == nil ? changes.body : nil, subject: changes.subject, attributes: changes.attributes ?? "{}",
            participantSid: authorSid, media: nil,
            contentSid: changes.contentSid, dateCreated: changes.dateCreated ?? now, dateUpdated: changes.dateUpdated)
        try tx.insert(message)
        if !changes.mediaSids.isEmpty {
            message.media = try MediaService.attach(
                changes.mediaSids, to: message.sid, serviceSid: conversation.serviceSid, limits: mediaLimits, now: now, tx: tx)
            try tx.setMessageMedia(messageSid: message.sid, media: message.media)
        }
        if try ChannelOutbox.enqueue(message, conversation: conversation, now: now, tx: tx) {
            message.delivery = try tx.messageDelivery(sid: message.sid)
        }
        conversation.dateUpdated = now
        try ConversationService.recordActivity(on: &conversation, now: now, tx: tx)
        try events.recordForMembers(.messageAdded, .message(message), conversation: conversation, now: now, in: tx)
        try events.webhook(
            .onMessageAdded, WebhookParameters.message(message, conversation: conversation), serviceSid: conversation.serviceSid,
            conversationSid: conversation.sid, messageBody: message.body, now: now, in: tx)
        return message
    }

    /// Applies validated (`validate`) changes to a message of an open conversation and tells its members `messageUpdated`.
    static func edit(_ message: Message, in conversation: Conversation, _ changes: Changes, events: EventRecorder, now: Timestamp, tx: StoreTransaction)
        throws -> Message
    {
        var message = message
        guard conversation.state != .closed else { throw ParleyError.conversationClosed(sid: conversation.sid) }
        if let author = changes.author {
            message.author = author
            message.participantSid = try participantSid(author: author, conversation: conversation, tx: tx)
        }
        if let body = changes.body { message.body = body }
        if let subject = changes.subject { message.subject = subject }
        if let attributes = changes.attributes { message.attributes = attributes }
        if let dateCreated = changes.dateCreated { message.dateCreated = dateCreated }
        message.dateUpdated = changes.dateUpdated ?? now
        try tx.update(message)
        try events.recordForMembers(.messageUpdated, .message(message), conversation: conversation, now: now, in: tx)
        try events.webhook(
            .onMessageUpdated, WebhookParameters.message(message, conversation: conversation), serviceSid: conversation.serviceSid,
            conversationSid: conversation.sid, now: now, in: tx)
        return message
    }

    /// Deletes a message of the conversation and tells its members `messageRemoved`.
    static func remove(_ message: Message, from conversation: Conversation, events: EventRecorder, now: Timestamp, tx: StoreTransaction) throws {
        try tx.deleteMessage(sid: message.sid)
        try events.recordForMembers(.messageRemoved, .message(message), conversation: conversation, now: now, in: tx)
        try events.webhook(
            .onMessageRemoved, WebhookParameters.message(message, conversation: conversation, removedAt: now), serviceSid: conversation.serviceSid,
            conversationSid: conversation.sid, now: now, in: tx)
    }

    static func validate(_ changes: Changes) throws {
        try Validate.length(changes.author, Limits.identity, name: "Author")
        try Validate.length(changes.body, Limits.messageBody, name: "Body")
        try Validate.length(changes.subject, Limits.subject, name: "Subject")
        _ = try Validate.attributes(changes.attributes, limit: Limits.messageAttributes)
    }

    /// The participant an author names: a chat participant by identity, or a messaging participant by address.
    private static func participantSid(author: String, conversation: Conversation, tx: StoreTransaction) throws -> String? {
        try tx.participantSid(author: author, conversationSid: conversation.sid)
    }
}
