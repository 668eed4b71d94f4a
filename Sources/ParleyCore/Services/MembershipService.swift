/// The conversations a user or an address takes part in: UserConversations
/// (`/v1/Users/{User}/Conversations`) and ParticipantConversations (`/v1/ParticipantConversations`).
public struct MembershipService: Sendable {
    let store: Store
    let events: EventRecorder
    let now: @Sendable () -> Timestamp

    /// Who to list conversations for: a chat identity or a messaging address.
    public enum Member: Sendable, Equatable {
        case identity(String)
        case address(String)
    }

    public func userConversations(_ principal: Principal, _ scope: ServiceScope, user: String, page: PageRequest) async throws
        -> Page<ConversationMembership>
    {
        try await store.read { tx in
            let service = try tx.resolveService(principal, scope)
            let user = try tx.requireUser(user, in: service)
            return try Self.memberships(tx.participations(identity: user.identity, serviceSid: service.sid, page: page), userSid: user.sid, tx: tx)
        }
    }

    public func userConversation(_ principal: Principal, _ scope: ServiceScope, user: String, conversation: String) async throws
        -> ConversationMembership
    {
        try await store.read { tx in try Self.membership(principal, scope, user: user, conversation: conversation, tx: tx) }
    }

    /// The changes a user may make to their own membership.
    public struct Changes: Sendable {
        public var notificationLevel: NotificationLevel?
        public var lastReadMessageIndex: Int64?
        /// Clears the read horizon (nothing read yet: every message counts as unread), as the JavaScript SDK's
        /// `setAllMessagesUnread` asks with a null `last_read_message_index`.
        public var clearsReadHorizon = false
        public var lastReadTimestamp: String?
        public init() {}
    }

    public func updateUserConversation(_ principal: Principal, _ scope: ServiceScope, user: String, conversation: String, _ changes: Changes)
        async throws -> ConversationMembership
    {
        try Self.validate(changes)
        let now = self.now()
        return try await store.write { tx in
            let membership = try Self.membership(principal, scope, user: user, conversation: conversation, tx: tx)
            return try Self.update(membership, changes, events: events, now: now, tx: tx)
        }
    }

    static func validate(_ changes: Changes) throws {
        if let index = changes.lastReadMessageIndex, index < 0 {
            throw ParleyError.invalidParameter(name: "LastReadMessageIndex", reason: "must not be negative")
        }
    }

    /// Applies validated (`validate`) changes to a user's membership and tells the conversation's members `participantUpdated`.
    static func update(_ membership: ConversationMembership, _ changes: Changes, events: EventRecorder, now: Timestamp, tx: StoreTransaction) throws
        -> ConversationMembership
    {
        var membership = membership
        if let level = changes.notificationLevel { membership.participant.notificationLevel = level }
        if let index = changes.lastReadMessageIndex { membership.participant.lastReadMessageIndex = index }
        if changes.clearsReadHorizon { membership.participant.lastReadMessageIndex = nil }
        if let timestamp = changes.lastReadTimestamp { membership.participant.lastReadTimestamp = timestamp }
        membership.participant.dateUpdated = now
        // A user's membership is a chat participant: it never holds an (address, proxy address) binding.
        try tx.update(membership.participant, bindingActive: false)
        try events.recordForMembers(
            .participantUpdated, .participant(membership.participant), conversation: membership.conversation, now: now, in: tx)
        return membership
    }

    /// Removes the user from the conversation.
    public func deleteUserConversation(_ principal: Principal, _ scope: ServiceScope, user: String, conversation: String) async throws {
        let now = self.now()
        try await store.write { tx in
            let membership = try Self.membership(principal, scope, user: user, conversation: conversation, tx: tx)
            try ParticipantService.removeParticipant(membership.participant, from: membership.conversation, events: events, now: now, tx: tx)
        }
    }

    public func participantConversations(_ principal: Principal, _ scope: ServiceScope, member: Member, page: PageRequest) async throws
        -> Page<ConversationMembership>
    {
        try await store.read { tx in
            let service = try tx.resolveService(principal, scope)
            switch member {
            case .identity(let identity):
                let userSid = try tx.userSids(identities: [identity], serviceSid: service.sid)[identity]
                return try Self.memberships(tx.participations(identity: identity, serviceSid: service.sid, page: page), userSid: userSid, tx: tx)
            case .address(let address):
                return try Self.memberships(tx.participations(address: address, serviceSid: service.sid, page: page), userSid: nil, tx: tx)
            }
        }
    }

    /// Joins a page of participants with their conversations: one query for the page, one for its conversations.
    static func memberships(_ page: Page<Participant>, userSid: String?, tx: StoreTransaction) throws -> Page<ConversationMembership> {
        let conversations = try tx.conversations(sids: page.items.map(\.conversationSid))
        return Page(
            items: page.items.compactMap { participant in
                conversations[participant.conversationSid].map {
                    ConversationMembership(participant: participant, conversation: $0, userSid: userSid)
                }
            },
            next: page.next, previous: page.previous)
    }

    private static func membership(_ principal: Principal, _ scope: ServiceScope, user: String, conversation: String, tx: StoreTransaction) throws
        -> ConversationMembership
    {
        let service = try tx.resolveService(principal, scope)
        let user = try tx.requireUser(user, in: service)
        let conversation = try tx.requireConversation(conversation, in: service)
        guard let participant = try tx.participant(sidOrIdentity: user.identity, conversationSid: conversation.sid) else {
            throw ParleyError.notFound(resource: "/Users/\(user.sid)/Conversations/\(conversation.sid)")
        }
        return ConversationMembership(participant: participant, conversation: conversation, userSid: user.sid)
    }
}
