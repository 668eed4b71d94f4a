import ParleyCore

extension Renderer {
    /// `/v1/Services/{IS}/Configuration/Notifications`.
    func pushSettings(_ settings: PushSettings) -> JSONValue {
        func kind(_ kind: PushSettings.Kind, extra: [(String, JSONValue)] = []) -> JSONValue {
            .object([("enabled", .bool(kind.enabled)), ("template", JSONValue(kind.template)), ("sound", JSONValue(kind.sound))] + extra)
        }
        let withMedia = JSONValue.object([
            ("enabled", .bool(settings.newMessageWithMedia.enabled)), ("template", JSONValue(settings.newMessageWithMedia.template)),
        ])
        return .object([
            ("account_sid", .string(accountSid)),
            ("chat_service_sid", .string(settings.serviceSid)),
            ("new_message", kind(settings.newMessage, extra: [
                ("badge_count_enabled", .bool(settings.newMessageBadgeCountEnabled)), ("with_media", withMedia),
            ])),
            ("added_to_conversation", kind(settings.addedToConversation)),
            ("removed_from_conversation", kind(settings.removedFromConversation)),
            ("log_enabled", .bool(settings.logEnabled)),
            ("url", .string("\(urls.service(settings.serviceSid))/Configuration/Notifications")),
        ])
    }
}
