import ParleyCore

extension Renderer {
    /// A UserConversation: the conversation as one user sees it, with their read state.
    func userConversation(_ membership: ConversationMembership) -> JSONValue {
        let conversation = membership.conversation
        let participant = membership.participant
        let userSid = membership.userSid ?? ""
        return .object([
            ("account_sid", .string(accountSid)),
            ("chat_service_sid", .string(conversation.serviceSid)),
            ("conversation_sid", .string(conversation.sid)),
            ("unread_messages_count", JSONValue(membership.unreadMessagesCount)),
            ("last_read_message_index", JSONValue(participant.lastReadMessageIndex)),
            ("participant_sid", .string(participant.sid)),
            ("user_sid", JSONValue(membership.userSid)),
            ("friendly_name", JSONValue(conversation.friendlyName)),
            ("conversation_state", .string(conversation.state.rawValue)),
            ("timers", timers(conversation.timers)),
            ("attributes", .string(conversation.attributes)),
            ("date_created", JSONValue(conversation.dateCreated)),
            ("date_updated", JSONValue(conversation.dateUpdated)),
            ("created_by", JSONValue(conversation.createdBy)),
            ("notification_level", .string(participant.notificationLevel.rawValue)),
            ("unique_name", JSONValue(conversation.uniqueName)),
            ("url", .string(urls.userConversation(conversation.sid, user: userSid))),
            ("links", membershipLinks(membership)),
        ])
    }

    /// A ParticipantConversation: a conversation an identity or address takes part in.
    func participantConversation(_ membership: ConversationMembership) -> JSONValue {
        let conversation = membership.conversation
        let participant = membership.participant
        return .object([
            ("account_sid", .string(accountSid)),
            ("chat_service_sid", .string(conversation.serviceSid)),
            ("participant_sid", .string(participant.sid)),
            ("participant_user_sid", JSONValue(membership.userSid)),
            ("participant_identity", JSONValue(participant.identity)),
            ("participant_messaging_binding", messagingBinding(participant.binding)),
            ("conversation_sid", .string(conversation.sid)),
            ("conversation_unique_name", JSONValue(conversation.uniqueName)),
            ("conversation_friendly_name", JSONValue(conversation.friendlyName)),
            ("conversation_attributes", .string(conversation.attributes)),
            ("conversation_date_created", JSONValue(conversation.dateCreated)),
            ("conversation_date_updated", JSONValue(conversation.dateUpdated)),
            ("conversation_created_by", JSONValue(conversation.createdBy)),
            ("conversation_state", .string(conversation.state.rawValue)),
            ("conversation_timers", timers(conversation.timers)),
            ("links", membershipLinks(membership)),
        ])
    }

    private func membershipLinks(_ membership: ConversationMembership) -> JSONValue {
        .object([
            ("participant", .string(urls.participant(membership.participant.sid, conversation: membership.conversation.sid))),
            ("conversation", .string(urls.conversation(membership.conversation.sid))),
        ])
    }
}
