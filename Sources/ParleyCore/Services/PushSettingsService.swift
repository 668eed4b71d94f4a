/// A Service's push notification settings (`/v1/Services/{IS}/Configuration/Notifications`): which events push, with
/// which template and sound. The push outbox writer reads them with `tx.pushSettings(serviceSid:)`.
public struct PushSettingsService: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    /// What an update sends; nil fields are not changed, an empty template or sound clears it.
    public struct Changes: Sendable {
        public var logEnabled: Bool?
        public var newMessage = KindChanges()
        public var newMessageBadgeCountEnabled: Bool?
        public var newMessageWithMediaEnabled: Bool?
        public var newMessageWithMediaTemplate: String?
        public var addedToConversation = KindChanges()
        public var removedFromConversation = KindChanges()

        public init() {}
    }

    /// `<Kind>.Enabled`, `<Kind>.Template`, `<Kind>.Sound`.
    public struct KindChanges: Sendable {
        public var enabled: Bool?
        public var template: String?
        public var sound: String?

        public init() {}
    }

    /// Templates may be as long as a message body; sounds are file names.
    static let templateLimit = Limits.messageBody
    static let soundLimit = 256

    public func fetch(_ principal: Principal, _ scope: ServiceScope) async throws -> PushSettings {
        try await store.read { tx in try tx.pushSettings(serviceSid: tx.resolveService(principal, scope).sid) }
    }

    public func update(_ principal: Principal, _ scope: ServiceScope, _ changes: Changes) async throws -> PushSettings {
        for (name, kind) in [("NewMessage", changes.newMessage), ("AddedToConversation", changes.addedToConversation),
                             ("RemovedFromConversation", changes.removedFromConversation)] {
            try Validate.length(kind.template, Self.templateLimit, name: "\(name).Template")
            try Validate.length(kind.sound, Self.soundLimit, name: "\(name).Sound")
        }
        try Validate.length(changes.newMessageWithMediaTemplate, Self.templateLimit, name: "NewMessage.WithMedia.Template")
        let now = self.now()
        return try await store.write { tx in
            var settings = try tx.pushSettings(serviceSid: tx.resolveService(principal, scope).sid)
            if let value = changes.logEnabled { settings.logEnabled = value }
            Self.apply(changes.newMessage, to: &settings.newMessage)
            if let value = changes.newMessageBadgeCountEnabled { settings.newMessageBadgeCountEnabled = value }
            if let value = changes.newMessageWithMediaEnabled { settings.newMessageWithMedia.enabled = value }
            if let value = changes.newMessageWithMediaTemplate { settings.newMessageWithMedia.template = value.isEmpty ? nil : value }
            Self.apply(changes.addedToConversation, to: &settings.addedToConversation)
            Self.apply(changes.removedFromConversation, to: &settings.removedFromConversation)
            settings.dateUpdated = now
            try tx.save(settings, at: now)
            return settings
        }
    }

    private static func apply(_ changes: KindChanges, to kind: inout PushSettings.Kind) {
        if let value = changes.enabled { kind.enabled = value }
        if let value = changes.template { kind.template = value.isEmpty ? nil : value }
        if let value = changes.sound { kind.sound = value.isEmpty ? nil : value }
    }
}
