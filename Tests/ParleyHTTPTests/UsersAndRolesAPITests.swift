import Foundation
import Hummingbird
import Testing

@Suite struct UsersAndRolesAPITests {
    @Test func usersByIdentityOrSid() async throws {
        try await withParley { api in
            let created = try await api.post("/v1/Users", [("Identity", "alice@example.com"), ("FriendlyName", "Alice")])
            #expect(created.status == .created)
            let sid = try #require(created["sid"])
            #expect(sid.hasPrefix("US"))
            #expect(created["role_sid"]?.hasPrefix("RL") == true)
            #expect(created["attributes"] == "{}")
            #expect(created.json["is_online"] is NSNull)
            #expect(try await api.get("/v1/Users/alice@example.com")["sid"] == sid)
            let updated = try await api.post("/v1/Users/\(sid)", [("FriendlyName", "Alice B"), ("Attributes", #"{"vip":true}"#)])
            #expect(updated["friendly_name"] == "Alice B")
            #expect(updated["identity"] == "alice@example.com")
            let duplicate = try await api.post("/v1/Users", [("Identity", "alice@example.com")])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.code == 50201)
            #expect(try await api.get("/v1/Users").records.count == 1)
            #expect(try await api.delete("/v1/Users/alice@example.com").status == .noContent)
            #expect(try await api.get("/v1/Users/\(sid)").status == .notFound)
        }
    }

    @Test func everyServiceStartsWithDefaultRolesAndTakesCustomOnes() async throws {
        try await withParley { api in
            let defaults = try await api.get("/v1/Roles")
            let names = Set(defaults.records.compactMap { $0["friendly_name"] as? String })
            #expect(names == ["service admin", "service user", "channel admin", "channel user"])

            let created = try await api.post(
                "/v1/Roles", [("FriendlyName", "moderator"), ("Type", "conversation"), ("Permission", "sendMessage"), ("Permission", "deleteAnyMessage")])
            #expect(created.status == .created)
            let sid = try #require(created["sid"])
            #expect(created.json["permissions"] as? [String] == ["sendMessage", "deleteAnyMessage"])
            let updated = try await api.post("/v1/Roles/\(sid)", [("Permission", "sendMessage")])
            #expect(updated.json["permissions"] as? [String] == ["sendMessage"])
            let wrongScope = try await api.post("/v1/Roles", [("FriendlyName", "x"), ("Type", "service"), ("Permission", "sendMessage")])
            #expect(wrongScope.status == .badRequest)

            // A role in use cannot be deleted; once free it can.
            let conversation = try await api.makeConversation()
            let participant = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "mod"), ("RoleSid", sid)])
            #expect(participant["role_sid"] == sid)
            #expect(try await api.delete("/v1/Roles/\(sid)").status == .badRequest)
            _ = try await api.delete("/v1/Conversations/\(conversation)")
            #expect(try await api.delete("/v1/Roles/\(sid)").status == .noContent)
            #expect(try await api.get("/v1/Roles/\(sid)").status == .notFound)
        }
    }
}
