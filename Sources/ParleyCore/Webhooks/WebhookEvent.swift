/// The events webhooks are sent for, by their Twilio names (`EventType`, and the names `Filters` take).
public enum WebhookEvent: String, Sendable, CaseIterable {
    // Pre-action: called before the change, which they may reject or modify.
    case onMessageAdd, onMessageUpdate, onMessageRemove
    case onConversationAdd, onConversationUpdate, onConversationRemove
    case onParticipantAdd, onParticipantUpdate, onParticipantRemove
    case onUserUpdate
    // Post-action: delivered from the outbox after the change committed.
    case onMessageAdded, onMessageUpdated, onMessageRemoved
    case onConversationAdded, onConversationUpdated, onConversationRemoved, onConversationStateUpdated
    case onParticipantAdded, onParticipantUpdated, onParticipantRemoved
    case onDeliveryUpdated
    case onUserAdded, onUserUpdated

    /// Whether this is a pre-action (blocking) event.
    public var isPreAction: Bool { !rawValue.hasSuffix("ed") }

    /// The events a conversation-scoped webhook may filter on (post-action events inside a conversation).
    public static let conversationScoped: [WebhookEvent] = [
        .onMessageAdded, .onMessageUpdated, .onMessageRemoved, .onConversationUpdated, .onConversationStateUpdated,
        .onConversationRemoved, .onParticipantAdded, .onParticipantUpdated, .onParticipantRemoved, .onDeliveryUpdated,
    ]
}
