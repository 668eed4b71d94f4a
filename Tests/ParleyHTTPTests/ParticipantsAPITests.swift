import Foundation
import Hummingbird
import Testing

@Suite struct ParticipantsAPITests {
    @Test func chatParticipantsByIdentity() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            let path = "/v1/Conversations/\(conversation)/Participants"
            let created = try await api.post(path, [("Identity", "alice"), ("Attributes", #"{"role":"agent"}"#)])
            #expect(created.status == .created)
            let sid = try #require(created["sid"])
            #expect(sid.hasPrefix("MB"))
            #expect(created["identity"] == "alice")
            #expect(created.json["messaging_binding"] is NSNull)
            #expect(created["conversation_sid"] == conversation)
            #expect(created["role_sid"]?.hasPrefix("RL") == true)
            #expect(created["url"] == "\(TestCredentials.publicURL)\(path)/\(sid)")

            #expect(try await api.get("\(path)/alice")["sid"] == sid)
            #expect(try await api.get("\(path)/\(sid)")["identity"] == "alice")

            // Joining made alice a User of the Service, as Twilio does.
            #expect(try await api.get("/v1/Users/alice").status == .ok)

            let updated = try await api.post("\(path)/\(sid)", [("LastReadMessageIndex", "3"), ("Attributes", "{}")])
            #expect(updated.status == .ok)
            #expect(updated.json["last_read_message_index"] as? Int == 3)
            #expect(updated["attributes"] == "{}")

            let duplicate = try await api.post(path, [("Identity", "alice")])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.code == 50433)

            #expect(try await api.get(path).records.count == 1)
            #expect(try await api.delete("\(path)/alice").status == .noContent)
            #expect(try await api.get(path).records.isEmpty)
        }
    }

    @Test func messagingParticipantsByAddressPair() async throws {
        try await withParley { api in
            let first = try await api.makeConversation()
            let second = try await api.makeConversation()
            let pair = [("MessagingBinding.Address", "+15550001111"), ("MessagingBinding.ProxyAddress", "+15550002222")]
            let created = try await api.post("/v1/Conversations/\(first)/Participants", pair)
            #expect(created.status == .created)
            #expect(created.json["identity"] is NSNull)
            let binding = try #require(created.json["messaging_binding"] as? [String: String])
            #expect(binding == ["type": "sms", "address": "+15550001111", "proxy_address": "+15550002222"])

            // One open conversation per pair in a Service.
            let taken = try await api.post("/v1/Conversations/\(second)/Participants", pair)
            #expect(taken.status == .conflict)
            #expect(taken.code == 50416)
            // Closing the first conversation frees the pair.
            #expect(try await api.post("/v1/Conversations/\(first)", [("State", "closed")]).status == .ok)
            #expect(try await api.post("/v1/Conversations/\(second)/Participants", pair).status == .created)

            let whatsapp = try await api.post(
                "/v1/Conversations/\(second)/Participants",
                [("MessagingBinding.Address", "whatsapp:+15550003333"), ("MessagingBinding.ProxyAddress", "whatsapp:+15550002222")])
            #expect((whatsapp.json["messaging_binding"] as? [String: String])?["type"] == "whatsapp")
        }
    }

    @Test func groupMMSParticipantsHaveAProjectedAddress() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            let created = try await api.post(
                "/v1/Conversations/\(conversation)/Participants", [("Identity", "agent"), ("MessagingBinding.ProjectedAddress", "+15550009999")])
            #expect(created.status == .created)
            let binding = try #require(created.json["messaging_binding"] as? [String: String])
            #expect(binding["projected_address"] == "+15550009999")
            let sid = try #require(created["sid"])
            let removed = try await api.post("/v1/Conversations/\(conversation)/Participants/\(sid)", [("MessagingBinding.ProjectedAddress", "null")])
            #expect(removed.json["messaging_binding"] is NSNull)
        }
    }

    @Test func participantsPageAcrossMoreThanOnePage() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            for index in 0..<7 { _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "user\(index)")]) }
            var identities: [String] = []
            var page = try await api.get("/v1/Conversations/\(conversation)/Participants", [("PageSize", "3")])
            while true {
                identities += page.records.compactMap { $0["identity"] as? String }
                guard let next = page.meta["next_page_url"] as? String else { break }
                page = try await api.follow(next)
            }
            #expect(identities == (0..<7).map { "user\($0)" })
        }
    }
}
