import Foundation
import Hummingbird
import Testing

@Suite struct MembershipsAPITests {
    @Test func userConversationsCarryUnreadCountsAndReadHorizon() async throws {
        try await withParley { api in
            let user = try #require(try await api.post("/v1/Users", [("Identity", "alice")])["sid"])
            let first = try await api.makeConversation("/v1", [("FriendlyName", "first"), ("UniqueName", "first")])
            let second = try await api.makeConversation("/v1", [("FriendlyName", "second")])
            _ = try await api.makeConversation("/v1", [("FriendlyName", "not alice's")])
            for conversation in [first, second] {
                _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            }
            for number in 0..<5 { _ = try await api.post("/v1/Conversations/\(first)/Messages", [("Body", "m\(number)")]) }

            let list = try await api.get("/v1/Users/\(user)/Conversations")
            #expect(list.status == .ok)
            #expect(list.meta["key"] as? String == "conversations")
            #expect(list.records.compactMap { $0["friendly_name"] as? String } == ["first", "second"])
            let entry = try #require(list.records.first)
            #expect(entry["unread_messages_count"] is NSNull)  // no read horizon yet
            #expect(entry["notification_level"] as? String == "default")
            #expect(entry["user_sid"] as? String == user)
            #expect(entry["url"] as? String == "\(TestCredentials.publicURL)/v1/Users/\(user)/Conversations/\(first)")

            let read = try await api.post("/v1/Users/alice/Conversations/first", [("LastReadMessageIndex", "1"), ("NotificationLevel", "muted")])
            #expect(read.status == .ok)
            #expect(read.json["unread_messages_count"] as? Int == 3)
            #expect(read.json["last_read_message_index"] as? Int == 1)
            #expect(read["notification_level"] == "muted")

            // One more message: one more unread, and the participant resource shows the same horizon.
            _ = try await api.post("/v1/Conversations/\(first)/Messages", [("Body", "late")])
            #expect(try await api.get("/v1/Users/\(user)/Conversations/\(first)").json["unread_messages_count"] as? Int == 4)
            #expect(try await api.get("/v1/Conversations/\(first)/Participants/alice").json["last_read_message_index"] as? Int == 1)

            // Deleting the user conversation takes alice out of it.
            #expect(try await api.delete("/v1/Users/\(user)/Conversations/\(second)").status == .noContent)
            #expect(try await api.get("/v1/Conversations/\(second)/Participants/alice").status == .notFound)
            #expect(try await api.get("/v1/Users/\(user)/Conversations/\(second)").status == .notFound)
        }
    }

    @Test func participantConversationsByIdentityOrAddress() async throws {
        try await withParley { api in
            let open = try await api.makeConversation("/v1", [("FriendlyName", "open")])
            let closed = try await api.makeConversation("/v1", [("FriendlyName", "closed")])
            let pair = [("MessagingBinding.Address", "+15550001111"), ("MessagingBinding.ProxyAddress", "+15550002222")]
            _ = try await api.post("/v1/Conversations/\(closed)/Participants", pair)
            _ = try await api.post("/v1/Conversations/\(closed)", [("State", "closed")])
            _ = try await api.post("/v1/Conversations/\(open)/Participants", pair)
            _ = try await api.post("/v1/Conversations/\(open)/Participants", [("Identity", "bob")])

            let byAddress = try await api.get("/v1/ParticipantConversations", [("Address", "+15550001111")])
            #expect(byAddress.status == .ok)
            #expect(Set(byAddress.records.compactMap { $0["conversation_friendly_name"] as? String }) == ["open", "closed"])
            let binding = try #require(byAddress.records.first?["participant_messaging_binding"] as? [String: String])
            #expect(binding["address"] == "+15550001111")

            let byIdentity = try await api.get("/v1/ParticipantConversations", [("Identity", "bob")])
            #expect(byIdentity.records.count == 1)
            #expect((byIdentity.records.first?["participant_user_sid"] as? String)?.hasPrefix("US") == true)
            #expect(byIdentity.records.first?["conversation_state"] as? String == "active")

            #expect(try await api.get("/v1/ParticipantConversations").status == .badRequest)
            #expect(try await api.get("/v1/ParticipantConversations", [("Identity", "bob"), ("Address", "+1")]).status == .badRequest)
            #expect(try await api.get("/v1/ParticipantConversations", [("Identity", "nobody")]).records.isEmpty)
        }
    }

    @Test func membershipsArePartitionedByService() async throws {
        try await withParley { api in
            let other = try await api.makeService()
            let conversation = try await api.makeConversation("/v1/Services/\(other)")
            _ = try await api.post("/v1/Services/\(other)/Conversations/\(conversation)/Participants", [("Identity", "carol")])
            #expect(try await api.get("/v1/Services/\(other)/Users/carol/Conversations").records.count == 1)
            #expect(try await api.get("/v1/Users/carol/Conversations").status == .notFound)
            #expect(try await api.get("/v1/ParticipantConversations", [("Identity", "carol")]).records.isEmpty)
            #expect(try await api.get("/v1/Services/\(other)/ParticipantConversations", [("Identity", "carol")]).records.count == 1)
        }
    }
}
