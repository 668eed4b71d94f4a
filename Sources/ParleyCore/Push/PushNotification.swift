/// What one push says, rendered from the Service's templates when the change is recorded and kept in
/// `push_deliveries.payload` (JSON). The sender wraps it in the provider's envelope (APNs `aps`, FCM `message`).
public struct PushNotification: Sendable, Equatable, Codable {
    /// Which of the Service's notification kinds this is; `event_type` of the outbox row.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case newMessage = "new_message"
        case addedToConversation = "added_to_conversation"
        case removedFromConversation = "removed_from_conversation"

        /// `twi_message_type`, the key Twilio's client SDKs dispatch on.
        public var twilioMessageType: String { "twilio.conversations.\(rawValue)" }
    }

    public var kind: Kind
    /// The alert text: the rendered template.
    public var body: String
    /// The sound to play (`NewMessage.Sound`, ...), nil for none.
    public var sound: String?
    /// `NewMessage.BadgeCountEnabled`: the sender sets the badge to the recipient's unread count at send time.
    public var badgeCountEnabled: Bool
    /// Twilio's data keys, e.g. `twi_message_type`, `twi_body`, `conversation_sid`, `conversation_title`,
    /// `message_sid`, `message_index`, `author`, `media_count`: sent as APNs custom keys and FCM `data`.
    public var data: [String: String]

    public init(kind: Kind, body: String, sound: String? = nil, badgeCountEnabled: Bool = false, data: [String: String]) {
        self.kind = kind
        self.body = body
        self.sound = sound
        self.badgeCountEnabled = badgeCountEnabled
        self.data = data
    }
}
