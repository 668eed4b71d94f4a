import GRDB

extension StoreTransaction {
    /// The Service's notification settings; Twilio's defaults (all disabled) when the Service was never configured.
    public func pushSettings(serviceSid: String) throws -> PushSettings {
        try fetchOne(statement("SELECT * FROM push_settings WHERE service_sid = ?"), arguments: [serviceSid], PushSettings.init(row:))
            ?? PushSettings(serviceSid: serviceSid)
    }

    /// Writes the Service's notification settings (insert or replace), stamped `now`.
    public func save(_ settings: PushSettings, at now: Timestamp) throws {
        try execute(
            """
            INSERT INTO push_settings (service_sid, log_enabled, new_message_enabled, new_message_template, new_message_sound,
                                       new_message_badge_count_enabled, new_message_with_media_enabled, new_message_with_media_template,
                                       added_enabled, added_template, added_sound, removed_enabled, removed_template, removed_sound, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (service_sid) DO UPDATE SET log_enabled = excluded.log_enabled, new_message_enabled = excluded.new_message_enabled,
                new_message_template = excluded.new_message_template, new_message_sound = excluded.new_message_sound,
                new_message_badge_count_enabled = excluded.new_message_badge_count_enabled,
                new_message_with_media_enabled = excluded.new_message_with_media_enabled,
                new_message_with_media_template = excluded.new_message_with_media_template, added_enabled = excluded.added_enabled,
                added_template = excluded.added_template, added_sound = excluded.added_sound, removed_enabled = excluded.removed_enabled,
                removed_template = excluded.removed_template, removed_sound = excluded.removed_sound, date_updated = excluded.date_updated
            """,
            [
                settings.serviceSid, settings.logEnabled, settings.newMessage.enabled, settings.newMessage.template, settings.newMessage.sound,
                settings.newMessageBadgeCountEnabled, settings.newMessageWithMedia.enabled, settings.newMessageWithMedia.template,
                settings.addedToConversation.enabled, settings.addedToConversation.template, settings.addedToConversation.sound,
                settings.removedFromConversation.enabled, settings.removedFromConversation.template, settings.removedFromConversation.sound, now,
            ])
    }
}

extension PushSettings {
    init(row: Row) {
        self.init(
            serviceSid: row["service_sid"], logEnabled: row["log_enabled"],
            newMessage: Kind(enabled: row["new_message_enabled"], template: row["new_message_template"], sound: row["new_message_sound"]),
            newMessageBadgeCountEnabled: row["new_message_badge_count_enabled"],
            newMessageWithMedia: WithMedia(enabled: row["new_message_with_media_enabled"], template: row["new_message_with_media_template"]),
            addedToConversation: Kind(enabled: row["added_enabled"], template: row["added_template"], sound: row["added_sound"]),
            removedFromConversation: Kind(enabled: row["removed_enabled"], template: row["removed_template"], sound: row["removed_sound"]),
            dateUpdated: row["date_updated"])
    }
}
