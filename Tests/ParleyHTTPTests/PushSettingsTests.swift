import Foundation
import ParleyCore
import Testing

/// `/v1/Services/{IS}/Configuration/Notifications`: Twilio's defaults, updates field by field, bad input refused, and
/// the store read the push outbox writer uses.
@Suite struct PushSettingsTests {
    @Test func defaultsThenUpdatesFieldByField() async throws {
        try await withParley { api in
            let service = try await api.makeService()
            let path = "/v1/Services/\(service)/Configuration/Notifications"

            let initial = try await api.get(path)
            #expect(initial.status == .ok, "\(initial.text)")
            #expect(initial["account_sid"] == TestCredentials.accountSid)
            #expect(initial["chat_service_sid"] == service)
            #expect(initial["url"] == "\(TestCredentials.publicURL)\(path)")
            #expect(initial.json["log_enabled"] as? Bool == false)
            let newMessage = try #require(initial.json["new_message"] as? [String: Any])
            #expect(newMessage["enabled"] as? Bool == false)
            #expect(newMessage["template"] is NSNull)
            #expect(newMessage["badge_count_enabled"] as? Bool == false)
            #expect((newMessage["with_media"] as? [String: Any])?["enabled"] as? Bool == false)
            #expect((initial.json["added_to_conversation"] as? [String: Any])?["enabled"] as? Bool == false)
            #expect((initial.json["removed_from_conversation"] as? [String: Any])?["sound"] is NSNull)

            let updated = try await api.post(path, [
                ("LogEnabled", "true"), ("NewMessage.Enabled", "true"), ("NewMessage.Template", "${PARTICIPANT}: ${MESSAGE}"),
                ("NewMessage.Sound", "ding.caf"), ("NewMessage.BadgeCountEnabled", "True"), ("NewMessage.WithMedia.Enabled", "true"),
                ("NewMessage.WithMedia.Template", "${PARTICIPANT} sent ${MEDIA_COUNT} file(s)"), ("AddedToConversation.Enabled", "true"),
                ("AddedToConversation.Template", "You joined ${CONVERSATION}"), ("RemovedFromConversation.Sound", "bye.caf"),
            ])
            #expect(updated.status == .ok, "\(updated.text)")
            let message = try #require(updated.json["new_message"] as? [String: Any])
            #expect(message["enabled"] as? Bool == true)
            #expect(message["template"] as? String == "${PARTICIPANT}: ${MESSAGE}")
            #expect(message["sound"] as? String == "ding.caf")
            #expect(message["badge_count_enabled"] as? Bool == true)
            #expect((message["with_media"] as? [String: Any])?["template"] as? String == "${PARTICIPANT} sent ${MEDIA_COUNT} file(s)")
            #expect(updated.json["log_enabled"] as? Bool == true)

            // A later update changes only what it names; an empty template clears it.
            let second = try await api.post(path, [("NewMessage.Template", ""), ("AddedToConversation.Enabled", "false")])
            #expect(second.status == .ok)
            let fetched = try await api.get(path)
            #expect(fetched.text == second.text)
            let again = try #require(fetched.json["new_message"] as? [String: Any])
            #expect(again["template"] is NSNull)
            #expect(again["sound"] as? String == "ding.caf")
            #expect((fetched.json["added_to_conversation"] as? [String: Any])?["enabled"] as? Bool == false)
            #expect((fetched.json["added_to_conversation"] as? [String: Any])?["template"] as? String == "You joined ${CONVERSATION}")
            #expect((fetched.json["removed_from_conversation"] as? [String: Any])?["sound"] as? String == "bye.caf")

            // What the push outbox writer reads.
            let settings = try await api.parley.store.read { tx in try tx.pushSettings(serviceSid: service) }
            #expect(settings.newMessage == PushSettings.Kind(enabled: true, template: nil, sound: "ding.caf"))
            #expect(settings.newMessageBadgeCountEnabled)
            #expect(settings.settings(for: .removedFromConversation) == PushSettings.Kind(enabled: false, template: nil, sound: "bye.caf"))
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        try await withParley { api in
            let service = try await api.makeService()
            let path = "/v1/Services/\(service)/Configuration/Notifications"
            #expect(try await api.post(path, [("NewMessage.Enabled", "true")]).status == .ok)
            let before = try await api.get(path).text
            for form in [
                [("NewMessage.Enabled", "yes"), ("NewMessage.Template", "changed")], [("LogEnabled", "1")],
                [("AddedToConversation.Sound", String(repeating: "s", count: 257))],
                [("RemovedFromConversation.Template", String(repeating: "t", count: Limits.messageBody + 1))],
            ] {
                let refused = try await api.post(path, form)
                #expect(refused.status == .badRequest, "\(form.map(\.0)): \(refused.text)")
                #expect(refused.code == 20001)
            }
            #expect(try await api.get(path).text == before)

            let missing = try await api.get("/v1/Services/IS00000000000000000000000000000000/Configuration/Notifications")
            #expect(missing.status == .notFound)
            #expect(missing.code == 20404)
        }
    }

    @Test func aServiceWithoutSettingsReadsTwilioDefaults() async throws {
        try await withParley { api in
            let service = try await api.makeService()
            let settings = try await api.parley.store.read { tx in try tx.pushSettings(serviceSid: service) }
            #expect(settings == PushSettings(serviceSid: service))
            #expect(!settings.newMessage.enabled && !settings.addedToConversation.enabled && !settings.removedFromConversation.enabled)
        }
    }
}
