/// What Twilio's JavaScript SDK lets a chat user do to a conversation beyond `/client/v1`: rename it, change its
/// attributes or unique name, delete it, join it, and read another user's public info. Same rules as the rest of
/// `ClientService`: one transaction each, a conversation the user is not in is a 404, the roles decide.
extension ClientService {
    /// The admin API's conversation methods, which the member's edits and deletes go through once authorized.
    private var conversationService: ConversationService { ConversationService(store: store, events: events, now: now) }

    /// Conversation properties a member may change: the fields of a new conversation, where nil leaves one as it is.
    public typealias ConversationEdit = NewConversation

    /// Updates the conversation: the friendly and unique names need conversation permission `editConversationName`,
    /// the attributes `editConversationAttributes`.
    public func editConversation(_ user: ChatPrincipal, _ conversation: String, _ edit: ConversationEdit) async throws -> Conversation {
        var changes = ConversationService.Changes()
        changes.friendlyName = edit.friendlyName
        changes.uniqueName = edit.uniqueName
        changes.attributes = edit.attributes
        try ConversationService.validate(changes, creating: false)
        let sid = try await store.read { tx in
            let member = try Self.member(user, conversation, tx)
            if edit.friendlyName != nil || edit.uniqueName != nil { try member.require("editConversationName") }
            if edit.attributes != nil { try member.require("editConversationAttributes") }
            return member.conversation.sid
        }
        // The update itself is the admin API's (webhooks, timers, events), scoped to the token's Service.
        return try await conversationService.update(user.principal, user.scope, sidOrUniqueName: sid, changes)
    }

    /// Deletes the conversation (conversation permission `deleteConversation`).
    public func deleteConversation(_ user: ChatPrincipal, _ conversation: String) async throws {
        let sid = try await store.read { tx in
            let member = try Self.member(user, conversation, tx)
            try member.require("deleteConversation")
            return member.conversation.sid
        }
        try await conversationService.delete(user.principal, user.scope, sidOrUniqueName: sid)
    }

    /// Updates a participant's attributes: the user's own with conversation permission `editOwnParticipantAttributes`,
    /// anyone's with `editAnyParticipantAttributes`.
    public func editParticipantAttributes(_ user: ChatPrincipal, conversation: String, sidOrIdentity: String, attributes: String) async throws
        -> Participant
    {
        let (conversationSid, participantSid) = try await store.read { tx in
            let member = try Self.member(user, conversation, tx)
            let target = try tx.requireParticipant(sidOrIdentity, in: member.conversation)
            let own = target.sid == member.participant.sid
            try member.require(anyOf: own ? ["editOwnParticipantAttributes", "editAnyParticipantAttributes"] : ["editAnyParticipantAttributes"])
            return (member.conversation.sid, target.sid)
        }
        var changes = ParticipantService.Changes()
        changes.attributes = attributes
        return try await ParticipantService(store: store, events: events, now: now).update(
            user.principal, user.scope, conversation: conversationSid, sidOrIdentity: participantSid, changes)
    }

    /// Joins the conversation, given by SID, as a chat participant with the Service's default conversation role
    /// (service permission `joinConversation`). A member joining again gets their participant back, unchanged.
    public func joinConversation(_ user: ChatPrincipal, _ conversationSid: String) async throws -> Participant {
        let now = self.now()
        let events = self.events.acting(user.principal)
        return try await store.write { tx in
            let caller = try Self.caller(user, tx)
            // Only by SID: a unique name would let a non-member probe for names.
            guard SID.isValid(conversationSid, .conversation), let conversation = try tx.conversation(sidOrUniqueName: conversationSid, serviceSid: caller.service.sid)
            else { throw ParleyError.notFound(resource: "/Conversations/\(conversationSid)") }
            if let participant = try tx.participant(identity: caller.user.identity, conversationSid: conversation.sid) { return participant }
            try caller.require("joinConversation")
            var changes = ParticipantService.Changes()
            changes.identity = caller.user.identity
            return try ParticipantService.insertParticipant(changes, conversation: conversation, service: caller.service, events: events, now: now, tx: tx)
        }
    }

    /// A user of the caller's Service by identity or SID, when it is the caller or someone who shares a conversation
    /// with them; anyone else is the same 404 as a user that does not exist.
    public func visibleUser(_ user: ChatPrincipal, _ sidOrIdentity: String) async throws -> User {
        try await store.read { tx in
            let caller = try Self.caller(user, tx)
            guard let other = try tx.user(sidOrIdentity: sidOrIdentity, serviceSid: caller.service.sid) else {
                throw ParleyError.notFound(resource: "/Users/\(sidOrIdentity)")
            }
            let visible = try other.sid == caller.user.sid || tx.sharesConversation(caller.user.identity, other.identity, serviceSid: caller.service.sid)
            guard visible else { throw ParleyError.notFound(resource: "/Users/\(sidOrIdentity)") }
            return other
        }
    }
}
