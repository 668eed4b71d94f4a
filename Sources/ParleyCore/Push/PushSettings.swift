/// A Service's push notification settings (`/v1/Services/{IS}/Configuration/Notifications`, table `push_settings`).
/// A Service that was never configured has Twilio's defaults: every kind disabled, no templates, no sounds.
public struct PushSettings: Sendable, Equatable {
    /// The settings of one kind of notification (new message, added to / removed from a conversation).
    public struct Kind: Sendable, Equatable {
        /// Whether this kind of push is sent at all.
        public var enabled: Bool
        /// The alert text, with Twilio's `${...}` variables; nil means Parley's default text for the kind.
        public var template: String?
        /// The sound the device plays; nil for the default.
        public var sound: String?

        public init(enabled: Bool = false, template: String? = nil, sound: String? = nil) {
            self.enabled = enabled
            self.template = template
            self.sound = sound
        }
    }

    /// `NewMessage.WithMedia`: a separate template for messages that carry media.
    public struct WithMedia: Sendable, Equatable {
        public var enabled: Bool
        public var template: String?

        public init(enabled: Bool = false, template: String? = nil) {
            self.enabled = enabled
            self.template = template
        }
    }

    public var serviceSid: String
    /// `LogEnabled`: the push worker logs every push outcome of the Service at info; when false, failed pushes at
    /// warning and the rest at debug.
    public var logEnabled: Bool
    public var newMessage: Kind
    /// `NewMessage.BadgeCountEnabled`: the badge shows the recipient's unread count.
    public var newMessageBadgeCountEnabled: Bool
    public var newMessageWithMedia: WithMedia
    public var addedToConversation: Kind
    public var removedFromConversation: Kind
    /// When the settings were last changed; nil while the Service has the defaults.
    public var dateUpdated: Timestamp?

    public init(
        serviceSid: String, logEnabled: Bool = false, newMessage: Kind = Kind(), newMessageBadgeCountEnabled: Bool = false,
        newMessageWithMedia: WithMedia = WithMedia(), addedToConversation: Kind = Kind(), removedFromConversation: Kind = Kind(),
        dateUpdated: Timestamp? = nil
    ) {
        self.serviceSid = serviceSid
        self.logEnabled = logEnabled
        self.newMessage = newMessage
        self.newMessageBadgeCountEnabled = newMessageBadgeCountEnabled
        self.newMessageWithMedia = newMessageWithMedia
        self.addedToConversation = addedToConversation
        self.removedFromConversation = removedFromConversation
        self.dateUpdated = dateUpdated
    }

    /// The settings of one notification kind, as the outbox writer asks for them.
    public func settings(for kind: PushNotification.Kind) -> Kind {
        switch kind {
        case .newMessage: newMessage
        case .addedToConversation: addedToConversation
        case .removedFromConversation: removedFromConversation
        }
    }
}
