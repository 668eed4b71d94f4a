/// The client API (`/client/v1/...`): what a chat user, verified by an access token, may do on their own behalf.
///
/// Each method is one transaction that first establishes who is calling: their User and what their service role
/// grants (`users.role_sid`) and, inside a conversation, their participant and what its conversation role grants
/// (`participants.role_sid`). A conversation the user is not in answers exactly as one that does not exist (404,
/// revealing nothing); a permission their roles do not grant is `ParleyError.permissionDenied` (403). Changes go
/// through the same helpers as the admin API, so they are validated, limited and announced to connected clients alike.
public struct ClientService: Sendable {
    let store: Store
    let events: EventRecorder
    let media: MediaService
    let now: @Sendable () -> Timestamp

    // MARK: - Inputs: only what a chat user may set

    /// Changes to the user's own User; nil leaves a field as it is.
    public struct UserChanges: Sendable {
        public var friendlyName: String?
        public var attributes: String?
        public init(friendlyName: String? = nil, attributes: String? = nil) {
            self.friendlyName = friendlyName
            self.attributes = attributes
        }
    }

    /// A conversation the user creates; they join it with the Service's conversation creator role.
    public struct NewConversation: Sendable {
        public var friendlyName: String?
        public var uniqueName: String?
        public var attributes: String?
        public init(friendlyName: String? = nil, uniqueName: String? = nil, attributes: String? = nil) {
            self.friendlyName = friendlyName
            self.uniqueName = uniqueName
            self.attributes = attributes
        }
    }

    /// A message the user sends. There is no author: it is always the user.
    public struct NewMessage: Sendable {
        public var body: String?
        public var attributes: String?
        public var mediaSids: [String]
        public init(body: String? = nil, attributes: String? = nil, mediaSids: [String] = []) {
            self.body = body
            self.attributes = attributes
            self.mediaSids = mediaSids
        }
    }

    /// An edit of a message; nil leaves a field as it is.
    public struct MessageEdit: Sendable {
        public var body: String?
        public var attributes: String?
        public init(body: String? = nil, attributes: String? = nil) {
            self.body = body
            self.attributes = attributes
        }
    }

    /// A participant the user adds: a chat identity, or an address with its proxy address. There is no role: the
    /// participant gets the Service's default conversation role (a user cannot hand out more than they hold).
    public struct NewParticipant: Sendable {
        public var identity: String?
        public var address: String?
        public var proxyAddress: String?
        public var projectedAddress: String?
        public var attributes: String?
        public init(
            identity: String? = nil, address: String? = nil, proxyAddress: String? = nil, projectedAddress: String? = nil, attributes: String? = nil
        ) {
            self.identity = identity
            self.address = address
            self.proxyAddress = proxyAddress
            self.projectedAddress = projectedAddress
            self.attributes = attributes
        }
    }

    // MARK: - Me

    public func me(_ user: ChatPrincipal) async throws -> User {
        try await store.read { tx in try Self.caller(user, tx).user }
    }

    /// Updates the user's friendly name and attributes (service permission `editOwnUserInfo`).
    public func updateMe(_ user: ChatPrincipal, _ input: UserChanges) async throws -> User {
        let changes = UserService.Changes(friendlyName: input.friendlyName, attributes: input.attributes)
        try UserService.validate(changes)
        let now = self.now()
        let events = self.events.acting(user.principal)
        _ = try await events.before(.onUserUpdate, store: store) { tx in
            let caller = try Self.caller(user, tx)
            return (caller.service.sid, WebhookParameters.user(caller.user))
        }
        return try await store.write { tx in
            let caller = try Self.caller(user, tx)
            try caller.require("editOwnUserInfo")
            return try UserService.update(caller.user, changes, in: caller.service, events: events, now: now, tx: tx)
        }
    }

    // MARK: - Conversations

    /// The conversations the user takes part in, with their read state, in the order they joined.
    public func conversations(_ user: ChatPrincipal, page: PageRequest) async throws -> Page<ConversationMembership> {
        try await store.read { tx in
            let caller = try Self.caller(user, tx)
            return try MembershipService.memberships(
                tx.participations(identity: caller.user.identity, serviceSid: caller.service.sid, page: page), userSid: caller.user.sid, tx: tx)
        }
    }

    /// Creates a conversation made by the user (service permission `createConversation`): `created_by` is their
    /// identity and they join it with the Service's `default_conversation_creator_role_sid`.
    public func createConversation(_ user: ChatPrincipal, _ input: NewConversation) async throws -> ConversationMembership {
        var changes = ConversationService.Changes()
        changes.friendlyName = input.friendlyName
        changes.uniqueName = input.uniqueName
        changes.attributes = input.attributes
        try ConversationService.validate(changes, creating: true)
        let now = self.now()
        let events = self.events.acting(user.principal)
        changes = try await events.beforeConversationAdd(changes, store: store) { tx in try Self.caller(user, tx).service }
        return try await store.write { [changes] tx in
            let caller = try Self.caller(user, tx)
            try caller.require("createConversation")
            let created = try ConversationService.insertConversation(
                changes, service: caller.service, principal: user.principal, createdBy: caller.user.identity, now: now, tx: tx)
            try events.conversationAdded(created, now: now, in: tx)
            var creator = ParticipantService.Changes()
            creator.identity = caller.user.identity
            creator.roleSid = caller.service.configuration.defaultConversationCreatorRoleSid
            let participant = try ParticipantService.insertParticipant(creator, conversation: created, service: caller.service, events: events, now: now, tx: tx)
            // Joining may have restarted the conversation's timers: answer with the row as stored.
            let conversation = try tx.requireConversation(created.sid, in: caller.service)
            return ConversationMembership(participant: participant, conversation: conversation, userSid: caller.user.sid)
        }
    }

    /// One conversation the user is in, as they see it.
    public func conversation(_ user: ChatPrincipal, _ conversation: String) async throws -> ConversationMembership {
        try await store.read { tx in try Self.member(user, conversation, tx).membership }
    }

    /// One conversation the user is in, with how many participants it has (chat and channel ones alike).
    public func conversationWithParticipantCount(_ user: ChatPrincipal, _ conversation: String) async throws
        -> (membership: ConversationMembership, participants: Int)
    {
        try await store.read { tx in
            let membership = try Self.member(user, conversation, tx).membership
            return (membership, try tx.participantCounts(conversationSid: membership.conversation.sid).all)
        }
    }

    /// Updates the user's own membership: the read horizon (always allowed) and the notification level
    /// (conversation permission `editNotificationLevel`).
    public func updateConversation(_ user: ChatPrincipal, _ conversation: String, _ changes: MembershipService.Changes) async throws
        -> ConversationMembership
    {
        try MembershipService.validate(changes)
        let now = self.now()
        let events = self.events.acting(user.principal)
        return try await store.write { tx in
            let member = try Self.member(user, conversation, tx)
            if changes.notificationLevel != nil { try member.require("editNotificationLevel") }
            return try MembershipService.update(member.membership, changes, events: events, now: now, tx: tx)
        }
    }

    // MARK: - Messages

    public func messages(_ user: ChatPrincipal, conversation: String, order: SortOrder, page: PageRequest) async throws -> Page<Message> {
        try await store.read { tx in
            try tx.messages(conversationSid: Self.member(user, conversation, tx).conversation.sid, order: order, page: page)
        }
    }

    public func message(_ user: ChatPrincipal, conversation: String, sid: String) async throws -> Message {
        try await store.read { tx in try tx.requireMessage(sid, in: Self.member(user, conversation, tx).conversation) }
    }

    /// Sends a message authored by the user (conversation permission `sendMessage`; `sendMediaMessage` with media).
    public func sendMessage(_ user: ChatPrincipal, conversation: String, _ input: NewMessage) async throws -> Message {
        var changes = MessageService.Changes()
        changes.author = user.identity
        changes.body = input.body
        changes.attributes = input.attributes
        changes.mediaSids = input.mediaSids
        try MessageService.validateNew(changes)
        let now = self.now()
        let events = self.events.acting(user.principal)
        changes = try await events.beforeMessageAdd(changes, store: store) { tx in try Self.member(user, conversation, tx).conversation }
        return try await store.write { [changes] tx in
            let member = try Self.member(user, conversation, tx)
            try member.require(changes.mediaSids.isEmpty ? "sendMessage" : "sendMediaMessage")
            return try MessageService.append(changes, to: member.conversation, events: events, mediaLimits: media.limits, now: now, tx: tx)
        }
    }

    /// Edits a message. The body of the user's own message needs `editOwnMessage`, of another's `editAnyMessage`; an edit
    /// of the attributes alone may also rest on `editOwnMessageAttributes`/`editAnyMessageAttributes`. The Any
    /// permissions cover the user's own messages too.
    public func editMessage(_ user: ChatPrincipal, conversation: String, sid: String, _ input: MessageEdit) async throws -> Message {
        var changes = MessageService.Changes()
        changes.body = input.body
        changes.attributes = input.attributes
        try MessageService.validate(changes)
        let now = self.now()
        let events = self.events.acting(user.principal)
        changes = try await events.beforeMessageUpdate(changes, store: store) { tx in
            let member = try Self.member(user, conversation, tx)
            return (try tx.requireMessage(sid, in: member.conversation), member.conversation)
        }
        return try await store.write { [changes] tx in
            let member = try Self.member(user, conversation, tx)
            let message = try tx.requireMessage(sid, in: member.conversation)
            let own = message.author == member.caller.user.identity
            var allowed = own ? ["editOwnMessage", "editAnyMessage"] : ["editAnyMessage"]
            if changes.body == nil {
                allowed += own ? ["editOwnMessageAttributes", "editAnyMessageAttributes"] : ["editAnyMessageAttributes"]
            }
            try member.require(anyOf: allowed)
            return try MessageService.edit(message, in: member.conversation, changes, events: events, now: now, tx: tx)
        }
    }

    /// Deletes a message: the user's own with `deleteOwnMessage`, anyone's with `deleteAnyMessage`.
    public func deleteMessage(_ user: ChatPrincipal, conversation: String, sid: String) async throws {
        let now = self.now()
        let events = self.events.acting(user.principal)
        _ = try await events.before(.onMessageRemove, store: store) { tx in
            let member = try Self.member(user, conversation, tx)
            return (member.conversation.serviceSid, WebhookParameters.message(try tx.requireMessage(sid, in: member.conversation), conversation: member.conversation))
        }
        let removed = try await store.write { tx in
            let member = try Self.member(user, conversation, tx)
            let message = try tx.requireMessage(sid, in: member.conversation)
            let own = message.author == member.caller.user.identity
            try member.require(anyOf: own ? ["deleteOwnMessage", "deleteAnyMessage"] : ["deleteAnyMessage"])
            try MessageService.remove(message, from: member.conversation, events: events, now: now, tx: tx)
            return message
        }
        if removed.media != nil { try await media.collectGarbage() }
    }

    // MARK: - Participants

    public func participants(_ user: ChatPrincipal, conversation: String, page: PageRequest) async throws -> Page<Participant> {
        try await store.read { tx in
            try tx.participants(conversationSid: Self.member(user, conversation, tx).conversation.sid, page: page)
        }
    }

    public func participant(_ user: ChatPrincipal, conversation: String, sidOrIdentity: String) async throws -> Participant {
        try await store.read { tx in try tx.requireParticipant(sidOrIdentity, in: Self.member(user, conversation, tx).conversation) }
    }

    /// Adds a participant: a chat identity needs `addParticipant`, a messaging binding `addNonChatParticipant`.
    public func addParticipant(_ user: ChatPrincipal, conversation: String, _ input: NewParticipant) async throws -> Participant {
        var changes = ParticipantService.Changes()
        changes.identity = input.identity
        changes.address = input.address
        changes.proxyAddress = input.proxyAddress
        changes.projectedAddress = input.projectedAddress
        changes.attributes = input.attributes
        try ParticipantService.validate(changes)
        let now = self.now()
        let events = self.events.acting(user.principal)
        changes = try await events.beforeParticipantAdd(changes, store: store) { tx in try Self.member(user, conversation, tx).conversation }
        return try await store.write { [changes] tx in
            let member = try Self.member(user, conversation, tx)
            try member.require(changes.address == nil ? "addParticipant" : "addNonChatParticipant")
            return try ParticipantService.insertParticipant(
                changes, conversation: member.conversation, service: member.caller.service, events: events, now: now, tx: tx)
        }
    }

    /// Removes a participant: the user themself needs `leaveConversation`; anyone else `removeParticipant`, which
    /// the conversation role or the service role may grant.
    public func removeParticipant(_ user: ChatPrincipal, conversation: String, sidOrIdentity: String) async throws {
        let now = self.now()
        let events = self.events.acting(user.principal)
        _ = try await events.before(.onParticipantRemove, store: store) { tx in
            let member = try Self.member(user, conversation, tx)
            return (member.conversation.serviceSid, WebhookParameters.participant(try tx.requireParticipant(sidOrIdentity, in: member.conversation)))
        }
        try await store.write { tx in
            let member = try Self.member(user, conversation, tx)
            let target = try tx.requireParticipant(sidOrIdentity, in: member.conversation)
            if target.sid == member.participant.sid {
                try member.require("leaveConversation")
            } else if !member.granted.contains("removeParticipant") {
                try member.caller.require("removeParticipant")
            }
            try ParticipantService.removeParticipant(target, from: member.conversation, events: events, now: now, tx: tx)
        }
    }

    // MARK: - Who is calling

    /// The chat user as one transaction sees them.
    struct Caller {
        let service: ChatService
        let user: User
        /// What the user's service role grants.
        let granted: Set<String>

        func require(_ permission: String) throws {
            guard granted.contains(permission) else { throw ParleyError.permissionDenied(permission: permission) }
        }
    }

    /// The chat user inside a conversation they are in.
    struct Member {
        let caller: Caller
        let conversation: Conversation
        let participant: Participant
        /// What the participant's conversation role grants.
        let granted: Set<String>

        var membership: ConversationMembership {
            ConversationMembership(participant: participant, conversation: conversation, userSid: caller.user.sid)
        }

        func require(_ permission: String) throws {
            try require(anyOf: [permission])
        }

        /// Passes when the conversation role grants at least one of `permissions`.
        func require(anyOf permissions: [String]) throws {
            guard permissions.contains(where: granted.contains) else {
                throw ParleyError.permissionDenied(permission: permissions.joined(separator: " or "))
            }
        }
    }

    /// The caller's Service (the token's), User and service role.
    static func caller(_ user: ChatPrincipal, _ tx: StoreTransaction) throws -> Caller {
        let service = try tx.resolveService(user.principal, user.scope)
        // The token's verification made the User; it is gone only if deleted since (the next request makes it again).
        let record = try tx.requireUser(user.identity, in: service)
        return Caller(service: service, user: record, granted: try permissions(ofRole: record.roleSid, in: service, tx))
    }

    /// The caller in `conversation` (SID or unique name). Not being in it is the same 404 as its not existing.
    static func member(_ user: ChatPrincipal, _ conversation: String, _ tx: StoreTransaction) throws -> Member {
        let caller = try caller(user, tx)
        guard let found = try tx.conversation(sidOrUniqueName: conversation, serviceSid: caller.service.sid),
            let participant = try tx.participant(identity: caller.user.identity, conversationSid: found.sid)
        else { throw ParleyError.notFound(resource: "/Conversations/\(conversation)") }
        return Member(
            caller: caller, conversation: found, participant: participant, granted: try permissions(ofRole: participant.roleSid, in: caller.service, tx))
    }

    private static func permissions(ofRole sid: String?, in service: ChatService, _ tx: StoreTransaction) throws -> Set<String> {
        guard let sid, let role = try tx.role(sid: sid, serviceSid: service.sid) else { return [] }
        return Set(role.permissions)
    }
}
