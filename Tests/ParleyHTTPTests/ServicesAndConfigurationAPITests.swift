import Foundation
import Hummingbird
import Testing

@Suite struct ServicesAndConfigurationAPITests {
    @Test func servicesCreateListFetchDelete() async throws {
        try await withParley { api in
            let created = try await api.post("/v1/Services", [("FriendlyName", "Second")])
            #expect(created.status == .created)
            let sid = try #require(created["sid"])
            #expect(sid.hasPrefix("IS"))
            let links = try #require(created.json["links"] as? [String: String])
            #expect(links["conversations"] == "\(TestCredentials.publicURL)/v1/Services/\(sid)/Conversations")
            #expect(try await api.get("/v1/Services").records.count == 2)
            #expect(try await api.get("/v1/Services/\(sid)")["friendly_name"] == "Second")

            let conversation = try await api.makeConversation("/v1/Services/\(sid)")
            let scoped = try await api.get("/v1/Services/\(sid)/Conversations/\(conversation)")
            #expect(scoped["url"] == "\(TestCredentials.publicURL)/v1/Services/\(sid)/Conversations/\(conversation)")
            let message = try await api.post("/v1/Services/\(sid)/Conversations/\(conversation)/Messages", [("Body", "hi")])
            #expect(message["chat_service_sid"] == sid)

            #expect(try await api.delete("/v1/Services/\(sid)").status == .noContent)
            #expect(try await api.get("/v1/Services/\(sid)").code == 20404)
            let remaining = try await api.parley.store.read { tx in try tx.conversation(sidOrUniqueName: conversation, serviceSid: sid) }
            #expect(remaining == nil)
        }
    }

    @Test func theDefaultServiceBacksTheShortPathsAndCannotBeDeleted() async throws {
        try await withParley { api in
            let configuration = try await api.get("/v1/Configuration")
            let defaultService = try #require(configuration["default_chat_service_sid"])
            #expect(configuration["account_sid"] == TestCredentials.accountSid)
            let conversation = try await api.makeConversation()
            #expect(try await api.get("/v1/Conversations/\(conversation)")["chat_service_sid"] == defaultService)
            #expect(try await api.get("/v1/Services/\(defaultService)/Conversations/\(conversation)").status == .ok)
            #expect(try await api.delete("/v1/Services/\(defaultService)").status == .badRequest)

            // Another Service can become the default.
            let other = try await api.makeService()
            let updated = try await api.post("/v1/Configuration", [("DefaultChatServiceSid", other), ("DefaultInactiveTimer", "PT1H")])
            #expect(updated["default_chat_service_sid"] == other)
            #expect(updated["default_inactive_timer"] == "PT1H")
            #expect(try await api.get("/v1/Conversations/\(conversation)").status == .notFound)
        }
    }

    @Test func serviceConfigurationPointsAtDefaultRolesAndUpdates() async throws {
        try await withParley { api in
            let service = try await api.makeService()
            let configuration = try await api.get("/v1/Services/\(service)/Configuration")
            #expect(configuration.status == .ok)
            #expect(configuration["chat_service_sid"] == service)
            #expect(configuration.json["reachability_enabled"] as? Bool == false)
            let roles = try await api.get("/v1/Services/\(service)/Roles").records
            func role(_ name: String) -> String? { roles.first { $0["friendly_name"] as? String == name }?["sid"] as? String }
            #expect(configuration["default_chat_service_role_sid"] == role("service user"))
            #expect(configuration["default_conversation_role_sid"] == role("channel user"))
            #expect(configuration["default_conversation_creator_role_sid"] == role("channel admin"))

            let updated = try await api.post(
                "/v1/Services/\(service)/Configuration",
                [("ReachabilityEnabled", "true"), ("DefaultConversationRoleSid", try #require(role("channel admin")))])
            #expect(updated.json["reachability_enabled"] as? Bool == true)
            #expect(updated["default_conversation_role_sid"] == role("channel admin"))
            let wrongType = try await api.post(
                "/v1/Services/\(service)/Configuration", [("DefaultChatServiceRoleSid", try #require(role("channel admin")))])
            #expect(wrongType.status == .badRequest)
        }
    }
}
