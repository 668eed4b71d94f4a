import Foundation
import ParleyCore
import Testing

@testable import ParleyHTTP

/// The push outbox rows a change writes in its own transaction: who gets one, and what it says.
@Suite struct PushOutboxTests {
    /// A conversation "Team" of alice, bob and carol (default Service); bob has two devices, alice and carol one each.
    struct Team {
        let conversation: String
        let service: String
        let credential: String
        let devices: [String: String]  // address -> binding SID
    }

    static func team(_ api: TestAPI) async throws -> Team {
        let service = try await api.defaultServiceSid()
        let credential = try await api.makePushCredential(.fcm)
        let conversation = try await api.makeConversation("/v1", [("FriendlyName", "Team")])
        var devices: [String: String] = [:]
        for (identity, addresses) in [("alice", ["a1"]), ("bob", ["b1", "b2"]), ("carol", ["c1"])] {
            try await api.join(conversation, identity)
            let client = try await api.chatClient(identity)
            for address in addresses { devices[address] = try await api.registerDevice(client, "fcm", address, credential: credential) }
        }
        return Team(conversation: conversation, service: service, credential: credential, devices: devices)
    }

    static func enabled(_ service: String, newMessage: String? = nil, withMedia: Bool = false) -> PushSettings {
        PushSettings(
            serviceSid: service, newMessage: .init(enabled: true, template: newMessage, sound: "ring"), newMessageBadgeCountEnabled: true,
            newMessageWithMedia: .init(enabled: withMedia), addedToConversation: .init(enabled: true), removedFromConversation: .init(enabled: true))
    }

    @Test func aNewMessageQueuesOnePushPerDeviceOfEveryOtherMember() async throws {
        try await withParley { api in
            let team = try await Self.team(api)
            try await api.setPushSettings(Self.enabled(team.service))
            #expect(try await api.post("/v1/Users/alice", [("FriendlyName", "Alice A")]).status == .ok)
            let alice = try await api.chatClient("alice")
            let sent = try await alice.post("/client/v1/Conversations/\(team.conversation)/Messages", [("Body", "hello")])
            #expect(sent.status == .created, "\(sent.text)")
            let rows = try await api.pushOutbox()
            // Not to the author; one per device of bob (two) and carol.
            #expect(rows.map(\.address) == ["b1", "b2", "c1"])
            #expect(rows.map(\.bindingSid) == [team.devices["b1"], team.devices["b2"], team.devices["c1"]])
            #expect(rows.map(\.identity) == ["bob", "bob", "carol"])
            for row in rows {
                #expect(row.eventType == "new_message" && row.conversationSid == team.conversation && row.credentialSid == team.credential)
                #expect(row.accountSid == TestCredentials.accountSid && row.serviceSid == team.service && row.bindingType == "fcm")
                let push = try row.notification
                #expect(push.kind == .newMessage && push.body == "Team:Alice A: hello" && push.sound == "ring" && push.badgeCountEnabled)
                #expect(push.data["twi_message_type"] == "twilio.conversations.new_message")
                #expect(push.data["twi_body"] == "Team:Alice A: hello")
                #expect(push.data["conversation_sid"] == team.conversation && push.data["conversation_title"] == "Team")
                #expect(push.data["message_sid"] == sent["sid"] && push.data["message_index"] == "0" && push.data["author"] == "alice")
                #expect(push.data["media_count"] == nil)
            }
        }
    }

    @Test func mutedMembersAndDevicesThatDoNotWantTheKindGetNothing() async throws {
        try await withParley { api in
            let team = try await Self.team(api)
            try await api.setPushSettings(Self.enabled(team.service))
            let muted = try await api.post("/v1/Users/carol/Conversations/\(team.conversation)", [("NotificationLevel", "muted")])
            #expect(muted.status == .ok, "\(muted.text)")
            // bob's second device now wants only added/removed pushes.
            let bob = try await api.chatClient("bob")
            try await api.registerDevice(bob, "fcm", "b2", credential: team.credential, messageTypes: ["twilio.conversations.added_to_conversation"])
            #expect(try await api.post("/v1/Conversations/\(team.conversation)/Messages", [("Author", "alice"), ("Body", "hi")]).status == .created)
            #expect(try await api.pushOutbox().map(\.address) == ["b1"])
        }
    }

    @Test func disabledSettingsWriteNothing() async throws {
        try await withParley { api in
            let team = try await Self.team(api)
            // A Service never configured: every kind disabled.
            #expect(try await api.post("/v1/Conversations/\(team.conversation)/Messages", [("Author", "alice"), ("Body", "hi")]).status == .created)
            #expect(try await api.post("/v1/Conversations/\(team.conversation)/Participants", [("Identity", "dave")]).status == .created)
            #expect(try await api.delete("/v1/Conversations/\(team.conversation)/Participants/bob").status == .noContent)
            #expect(try await api.pushOutbox().isEmpty)
        }
    }

    @Test func aServiceTemplateIsRenderedWithTwiliosVariablesAndCut() async throws {
        try await withParley { api in
            let team = try await Self.team(api)
            #expect(try await api.post("/v1/Conversations/\(team.conversation)", [("UniqueName", "team-1")]).status == .ok)
            let template = "${PARTICIPANT_IDENTITY}|${PARTICIPANT_SID}|${CONVERSATION}|${CONVERSATION_FRIENDLY_NAME}|${CONVERSATION_SID}|${MESSAGE}|${NOPE}"
            try await api.setPushSettings(Self.enabled(team.service, newMessage: template))
            let sent = try await api.post("/v1/Conversations/\(team.conversation)/Messages", [("Author", "bob"), ("Body", "yo")])
            let push = try #require(try await api.pushOutbox().first).notification
            let participant = try #require(sent["participant_sid"])
            #expect(push.body == "bob|\(participant)|team-1|Team|\(team.conversation)|yo|${NOPE}")
            // Twilio cuts the rendered text to 178 characters.
            try await api.setPushSettings(Self.enabled(team.service, newMessage: "${MESSAGE}"))
            _ = try await api.post("/v1/Conversations/\(team.conversation)/Messages", [("Author", "bob"), ("Body", String(repeating: "x", count: 300))])
            #expect(try #require(try await api.pushOutbox().last).notification.body.count == 178)
        }
    }

    @Test func mediaMessagesUseTheWithMediaTemplateOnlyWhenItIsEnabled() async throws {
        try await withParley { api in
            let team = try await Self.team(api)
            func media() async throws -> String {
                let uploaded = try await api.upload(team.service, [1, 2, 3], contentType: "image/png", filename: "cat.png")
                return try #require(uploaded["sid"])
            }
            let messages = "/v1/Conversations/\(team.conversation)/Messages"
            // WithMedia disabled: a media-only message pushes nothing, one with a body the plain new-message text.
            try await api.setPushSettings(Self.enabled(team.service))
            #expect(try await api.post(messages, [("Author", "bob"), ("MediaSid", try await media())]).status == .created)
            #expect(try await api.pushOutbox().isEmpty)
            #expect(try await api.post(messages, [("Author", "bob"), ("Body", "look"), ("MediaSid", try await media())]).status == .created)
            #expect(try await api.pushOutbox().map { try $0.notification.body } == ["Team:bob: look", "Team:bob: look"])
            // Enabled: Twilio's media text, and the media keys.
            try await api.setPushSettings(Self.enabled(team.service, withMedia: true))
            let mediaSid = try await media()
            #expect(try await api.post(messages, [("Author", "bob"), ("MediaSid", mediaSid)]).status == .created)
            let push = try #require(try await api.pushOutbox().last).notification
            #expect(push.body == "You have a new message in Team with 1 media files: cat.png")
            #expect(push.data["media_count"] == "1")
            let item = try #require(try JSONSerialization.jsonObject(with: Data((push.data["media"] ?? "").utf8)) as? [String: Any])
            #expect(item["sid"] as? String == mediaSid && item["filename"] as? String == "cat.png")
        }
    }

    @Test func addedAndRemovedGoToThatUserAlone() async throws {
        try await withParley { api in
            let team = try await Self.team(api)
            try await api.setPushSettings(Self.enabled(team.service))
            let dave = try await api.chatClient("dave")
            try await api.registerDevice(dave, "fcm", "d1", credential: team.credential)
            #expect(try await api.post("/v1/Conversations/\(team.conversation)/Participants", [("Identity", "dave")]).status == .created)
            var rows = try await api.pushOutbox()
            #expect(rows.map(\.address) == ["d1"])
            #expect(rows.first?.eventType == "added_to_conversation")
            let added = try #require(rows.first).notification
            #expect(added.kind == .addedToConversation && added.body == "You have been added to the conversation Team by system")
            #expect(added.data["twi_message_type"] == "twilio.conversations.added_to_conversation" && added.data["conversation_sid"] == team.conversation)

            // bob removed by the REST API: his two devices; a chat user who leaves by themselves is not told.
            #expect(try await api.delete("/v1/Conversations/\(team.conversation)/Participants/bob").status == .noContent)
            rows = try await api.pushOutbox()
            #expect(rows.dropFirst().map(\.address) == ["b1", "b2"])
            #expect(try rows.dropFirst().allSatisfy { try $0.notification.body == "system has removed you from the conversation Team" })
            #expect(rows.last?.eventType == "removed_from_conversation")
            let carol = try await api.chatClient("carol")
            #expect(try await carol.delete("/client/v1/Conversations/\(team.conversation)/Participants/carol").status == .noContent)
            #expect(try await api.pushOutbox().count == 3)
        }
    }

    @Test func messagesThroughTheTwilsockTunnelQueuePushesToo() async throws {
        try await withLiveParley { api, sockets in
            let team = try await Self.team(api)
            try await api.setPushSettings(Self.enabled(team.service))
            try await sockets.twilsock(as: "carol") { carol in
                let sent = try await carol.request("POST", "/Client/v2/Conversations/\(team.conversation)/Messages", json: ["body": "from the SDK"])
                #expect(sent.status == 200, "\(sent.body)")
            }
            let rows = try await api.pushOutbox()
            #expect(rows.map(\.address) == ["a1", "b1", "b2"])
            #expect(try rows.first?.notification.body == "Team:carol: from the SDK")
        }
    }
}
