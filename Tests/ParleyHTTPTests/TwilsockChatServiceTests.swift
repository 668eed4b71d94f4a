import Foundation
import ParleyCore
import Testing

@testable import ParleyHTTP

/// The chat service Twilio's SDK calls through the tunnel, with `/client/v1`'s authorization.
@Suite struct TwilsockChatServiceTests {
    @Test func theSDKsCallsCreateEditAndDeleteThroughTheTunnel() async throws {
        try await withLiveParley { api, sockets in
            try await sockets.twilsock(as: "alice") { alice in
                let configuration = try await alice.request("GET", "/Client/v2/Configuration").body
                let links = try #require(configuration["links"] as? [String: String])
                #expect(links["conversations"] == "\(TestCredentials.publicURL)/Client/v2/Conversations")
                let path = { (link: String) in String(link.dropFirst(TestCredentials.publicURL.count)) }

                // Create (the creator joins), rename, attributes.
                let created = try await alice.request(
                    "POST", path(links["conversations"]!), json: ["friendly_name": "Made", "unique_name": "made", "attributes": "{\"a\":1}"])
                #expect(created.status == 201)
                let sid = try #require(created.body["sid"] as? String)
                #expect((created.body["sync_objects"] as? [String: Any])?["conversation"] as? String == "\(sid).channel")
                let url = path(try #require(created.body["url"] as? String))
                let renamed = try await alice.request("POST", url, json: ["friendly_name": "Renamed", "attributes": "{\"b\":2}"])
                #expect(renamed.status == 200 && renamed.body["friendly_name"] as? String == "Renamed")
                #expect(try await api.get("/v1/Conversations/\(sid)")["attributes"] == "{\"b\":2}")
                // Join again is harmless; add bob; the list and the read horizon.
                #expect(try await alice.request("POST", "\(url)/Participants", json: ["identity": "alice"]).status == 201)
                #expect(try await alice.request("POST", "\(url)/Participants", json: ["identity": "bob"]).status == 201)
                let sent = try await alice.request("POST", "\(url)/Messages", json: ["body": "hi", "attributes": "{\"k\":true}", "media_sids": []])
                #expect(sent.status == 200 && sent.body["index"] as? Int == 0)
                let messageSid = try #require(sent.body["sid"] as? String)
                let edited = try await alice.request("POST", "\(url)/Messages/\(messageSid)", json: ["body": "hello"])
                #expect(edited.body["body"] as? String == "hello")
                _ = try await alice.request("POST", "\(url)/Messages", json: ["body": "two"])

                let mine = try await alice.request("GET", path(links["my_conversations"]!)).body
                let entries = try #require(mine["conversations"] as? [[String: Any]])
                #expect(entries.map { $0["conversation_sid"] as? String } == [sid])
                #expect((mine["meta"] as? [String: Any])?.keys.contains("next_token") == true)
                let byName = try await alice.request("GET", "\(path(links["my_conversations"]!))/made").body
                #expect(byName["conversation_sid"] as? String == sid)
                let horizon = try await alice.request("POST", "\(path(links["my_conversations"]!))/\(sid)", json: ["last_read_message_index": 0])
                #expect(horizon.body["unread_messages_count"] as? Int == 1)
                // `setAllMessagesUnread`: a null index clears the horizon (the count is unknown again); an absent one
                // leaves it alone.
                let cleared = try await alice.request("POST", "\(path(links["my_conversations"]!))/\(sid)", json: ["last_read_message_index": NSNull()])
                #expect(cleared.status == 200 && cleared.body["last_read_message_index"] is NSNull, "\(cleared.body)")
                #expect(cleared.body["unread_messages_count"] is NSNull)
                _ = try await alice.request("POST", "\(path(links["my_conversations"]!))/\(sid)", json: ["last_read_message_index": 1])
                let kept = try await alice.request("POST", "\(path(links["my_conversations"]!))/\(sid)", json: ["notification_level": "muted"])
                #expect(kept.body["last_read_message_index"] as? Int == 1)
                // `getParticipantsCount` reads the fetched conversation's `participants_count`.
                #expect(try await alice.request("GET", url).body["participants_count"] as? Int == 2)

                let me = try await alice.request("GET", path(links["current_user"]!)).body
                #expect((me["sync_objects"] as? [String: Any])?["user_info_map"] as? String == "alice.info")
                let named = try await alice.request("POST", path(links["current_user"]!), json: ["friendly_name": "Alice A."])
                #expect(named.body["friendly_name"] as? String == "Alice A.")
                let bob = try await alice.request("GET", "\(path(links["users"]!))/bob")
                #expect(bob.status == 200)
                #expect(try await alice.request("POST", "\(path(links["users"]!))/bob", json: ["friendly_name": "no"]).status == 403)

                // Remove bob, delete the message, delete the conversation.
                #expect(try await alice.request("DELETE", "\(url)/Participants/bob").status == 204)
                #expect(try await alice.request("DELETE", "\(url)/Messages/\(messageSid)").status == 204)
                #expect(try await alice.request("DELETE", url).status == 204)
                #expect(try await api.get("/v1/Conversations/\(sid)").status == .notFound)
            }
        }
    }

    @Test func rolesDecideAsOnTheClientAPI() async throws {
        try await withLiveParley { api, sockets in
            let sid = try await TwilsockSyncTests.conversation(api)
            try await sockets.twilsock(as: "bob") { bob in
                // A channel user may not rename or delete the conversation, nor remove alice.
                let rename = try await bob.request("POST", "/Client/v2/Conversations/\(sid)", json: ["friendly_name": "mine now"])
                #expect(rename.status == 403)
                #expect(try await bob.request("DELETE", "/Client/v2/Conversations/\(sid)").status == 403)
                #expect(try await bob.request("DELETE", "/Client/v2/Conversations/\(sid)/Participants/alice").status == 403)
                #expect(try await api.get("/v1/Conversations/\(sid)")["friendly_name"] == "General")
                // May change their own participant's attributes, not alice's.
                let own = try await bob.request("POST", "/Client/v2/Conversations/\(sid)/Participants/bob", json: ["attributes": "{\"mood\":\"ok\"}"])
                #expect(own.status == 200 && own.body["attributes"] as? String == "{\"mood\":\"ok\"}")
                let others = try await bob.request("POST", "/Client/v2/Conversations/\(sid)/Participants/alice", json: ["attributes": "{}"])
                #expect(others.status == 403)
                let invalid = try await bob.request("POST", "/Client/v2/Conversations/\(sid)/Participants/bob", json: ["attributes": "not json"])
                #expect(invalid.status == 400)
                // But may leave.
                #expect(try await bob.request("DELETE", "/Client/v2/Conversations/\(sid)/Participants/bob").status == 204)
            }
        }
    }

    /// U+0000 is refused in tunnelled paths, parameters and fields as on plain HTTP: `bob\0x` must not act on `bob`.
    @Test func aNULInATunnelledRequestIsRefused() async throws {
        try await withLiveParley { api, sockets in
            let sid = try await TwilsockSyncTests.conversation(api)
            try await sockets.twilsock(as: "bob") { bob in
                let path = try await bob.request("POST", "/Client/v2/Conversations/\(sid)/Participants/bob%00x", json: ["attributes": "{\"x\":1}"])
                #expect(path.status == 400 && path.body["code"] as? Int == 20001, "\(path.body)")
                let param = try await bob.request("GET", "/Client/v2/Conversations/\(sid)/Messages", params: ["PageSize": "5\u{0}"])
                #expect(param.status == 400, "\(param.body)")
                let field = try await bob.request("POST", "/Client/v2/Conversations/\(sid)/Participants", json: ["identity": "carol\u{0}x"])
                #expect(field.status == 400, "\(field.body)")
            }
            let participants = try await api.get("/v1/Conversations/\(sid)/Participants").records
            #expect(participants.allSatisfy { ($0["attributes"] as? String) != "{\"x\":1}" })
            #expect(participants.count == 2)
        }
    }

    @Test func aMutationIdMakesAWriteHappenOnce() async throws {
        try await withLiveParley { api, sockets in
            let sid = try await TwilsockSyncTests.conversation(api)
            try await sockets.twilsock(as: "alice") { alice in
                let headers = ["X-Twilio-Mutation-Id": "5b3a1f0e-1111-4c3e-9a7e-000000000001"]
                let first = try await alice.request("POST", "/Client/v2/Conversations/\(sid)/Messages", json: ["body": "once"], headers: headers)
                let retry = try await alice.request("POST", "/Client/v2/Conversations/\(sid)/Messages", json: ["body": "once"], headers: headers)
                #expect(first.status == 200 && retry.status == 200)
                #expect(first.body["sid"] as? String == retry.body["sid"] as? String)
                #expect(try await api.get("/v1/Conversations/\(sid)/Messages").records.count == 1)
                // The same key for a different request is refused, and changes nothing.
                let other = try await alice.request("POST", "/Client/v2/Conversations/\(sid)/Messages", json: ["body": "twice"], headers: headers)
                #expect(other.status == 422)
                #expect(try await api.get("/v1/Conversations/\(sid)/Messages").records.count == 1)
            }
        }
    }
}
