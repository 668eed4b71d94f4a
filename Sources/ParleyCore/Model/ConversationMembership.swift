/// One participant's place in one conversation, seen from the participant: what UserConversations
/// and ParticipantConversations list.
public struct ConversationMembership: Sendable, Equatable {
    public var participant: Participant
    public var conversation: Conversation
    /// The User behind a chat participant, nil for messaging participants.
    public var userSid: String?

    /// Messages after the participant's read horizon; nil until a horizon is set. Computed from the
    /// conversation's message counter, not by counting rows, so it costs the same at any size.
    public var unreadMessagesCount: Int64? {
        guard let read = participant.lastReadMessageIndex else { return nil }
        return max(0, (conversation.lastMessageIndex ?? -1) - read)
    }
}
