import Foundation
import ParleyCore
import Testing

@testable import ParleyHTTP

/// Push device bindings: chat clients register them (client API and the SDK's registrar path through twilsock), the
/// admin API lists, fetches and deletes them.
@Suite struct PushBindingsTests {
    @Test func aClientRegistersADeviceAndReRegisteringUpdatesTheSameBinding() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let fcm = try await api.makePushCredential(.fcm)
            let other = try await api.makePushCredential(.fcm)
            let alice = try await api.chatClient("alice")
            let created = try await alice.post(
                "/client/v1/PushBindings", [("BindingType", "fcm"), ("Address", "device-1"), ("CredentialSid", fcm), ("MessageTypes", "new_message")])
            #expect(created.status == .created, "\(created.text)")
            let sid = try #require(created["sid"])
            #expect(sid.hasPrefix("BS") && sid.count == 34)
            #expect(created["identity"] == "alice" && created["binding_type"] == "fcm" && created["credential_sid"] == fcm)
            #expect(created["chat_service_sid"] == service && created["account_sid"] == TestCredentials.accountSid)
            #expect(created["endpoint"] == "device-1")
            #expect(created.json["message_types"] as? [String] == ["new_message"])
            #expect(created["url"] == "\(TestCredentials.publicURL)/client/v1/PushBindings/\(sid)")

            // The same device registered again, by another user with another credential: the same row, updated.
            let bob = try await api.chatClient("bob")
            let again = try await bob.post("/client/v1/PushBindings", [("BindingType", "fcm"), ("Address", "device-1"), ("CredentialSid", other)])
            #expect(again.status == .created, "\(again.text)")
            #expect(again["sid"] == sid && again["identity"] == "bob" && again["credential_sid"] == other)
            #expect(again.json["message_types"] as? [String] == ["new_message", "added_to_conversation", "removed_from_conversation"])
            let list = try await api.get("/v1/Services/\(service)/Bindings")
            #expect(list.records.count == 1)
            #expect(list.records.first?["identity"] as? String == "bob")
            // The same address for the other push type is another device.
            #expect(try await api.registerDevice(alice, "apn", "device-1", credential: try await api.makePushCredential(.apn)) != sid)
        }
    }

    @Test func theTokensPushCredentialIsUsedWhenTheRegistrationNamesNone() async throws {
        try await withParley { api in
            let fcm = try await api.makePushCredential(.fcm)
            let alice = try await api.chatClient("alice", pushCredentialSid: fcm)
            let created = try await alice.post("/client/v1/PushBindings", [("BindingType", "fcm"), ("Address", "device-1")])
            #expect(created.status == .created, "\(created.text)")
            #expect(created["credential_sid"] == fcm)
        }
    }

    @Test func aRegistrationWithABadCredentialIsRefusedAndStoresNothing() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let apn = try await api.makePushCredential(.apn)
            let foreign = try await api.makePushCredential(.fcm, accountSid: try await api.makeSecondAccount().sid)
            let alice = try await api.chatClient("alice")
            func register(_ form: [(String, String)]) async throws -> TestResponse {
                try await alice.post("/client/v1/PushBindings", form)
            }
            let missing = try await register([("BindingType", "fcm"), ("Address", "d")])
            #expect(missing.status == .badRequest && missing.code == 20001, "\(missing.text)")
            let malformed = try await register([("BindingType", "fcm"), ("Address", "d"), ("CredentialSid", "CR123")])
            #expect(malformed.status == .badRequest, "\(malformed.text)")
            let unknown = try await register([("BindingType", "fcm"), ("Address", "d"), ("CredentialSid", SID.make(.credential))])
            #expect(unknown.status == .notFound && unknown.code == 20404, "\(unknown.text)")
            let elsewhere = try await register([("BindingType", "fcm"), ("Address", "d"), ("CredentialSid", foreign)])
            #expect(elsewhere.status == .notFound && elsewhere.code == 20404, "\(elsewhere.text)")
            let mismatched = try await register([("BindingType", "fcm"), ("Address", "d"), ("CredentialSid", apn)])
            #expect(mismatched.status == .badRequest, "\(mismatched.text)")
            let badType = try await register([("BindingType", "sms"), ("Address", "d"), ("CredentialSid", apn)])
            #expect(badType.status == .badRequest, "\(badType.text)")
            let noAddress = try await register([("BindingType", "apn"), ("Address", ""), ("CredentialSid", apn)])
            #expect(noAddress.status == .badRequest, "\(noAddress.text)")
            let onlyTyping = try await register([("BindingType", "apn"), ("Address", "d"), ("CredentialSid", apn), ("MessageTypes", "typing")])
            #expect(onlyTyping.status == .badRequest, "\(onlyTyping.text)")
            #expect(try await api.get("/v1/Services/\(service)/Bindings").records.isEmpty)
            #expect(try await api.chatClient("alice").post("/client/v1/PushBindings").status == .badRequest)
            #expect(try await api.post("/client/v1/PushBindings", [("BindingType", "apn")]).status == .unauthorized)
        }
    }

    @Test func theAdminAPIListsWithFiltersFetchesAndDeletes() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let fcm = try await api.makePushCredential(.fcm)
            let apn = try await api.makePushCredential(.apn)
            let alice = try await api.chatClient("alice")
            let bob = try await api.chatClient("bob")
            let aliceFCM = try await api.registerDevice(alice, "fcm", "a-fcm", credential: fcm)
            let aliceAPN = try await api.registerDevice(alice, "apn", "a-apn", credential: apn)
            let bobFCM = try await api.registerDevice(bob, "fcm", "b-fcm", credential: fcm)
            let root = "/v1/Services/\(service)/Bindings"
            func sids(_ query: [(String, String)]) async throws -> [String] {
                let page = try await api.get(root, query)
                #expect(page.status == .ok, "\(page.text)")
                #expect(page.meta["key"] as? String == "bindings")
                return page.records.compactMap { $0["sid"] as? String }
            }
            #expect(try await sids([]) == [aliceFCM, aliceAPN, bobFCM])
            #expect(try await sids([("BindingType", "apn")]) == [aliceAPN])
            #expect(try await sids([("Identity", "alice")]) == [aliceFCM, aliceAPN])
            #expect(try await sids([("Identity", "alice"), ("Identity", "bob"), ("BindingType", "fcm")]) == [aliceFCM, bobFCM])
            #expect(try await sids([("Identity", "nobody")]).isEmpty)
            let bad = try await api.get(root, [("BindingType", "sms")])
            #expect(bad.status == .badRequest && bad.code == 20001, "\(bad.text)")
            // Paging keeps the filters.
            let first = try await api.get(root, [("Identity", "alice"), ("PageSize", "1")])
            #expect(first.records.map { $0["sid"] as? String } == [aliceFCM])
            let next = try #require(first.meta["next_page_url"] as? String)
            #expect(next.contains("Identity=alice"))
            #expect(try await api.follow(next).records.map { $0["sid"] as? String } == [aliceAPN])

            let fetched = try await api.get("\(root)/\(aliceAPN)")
            #expect(fetched.status == .ok && fetched["binding_type"] == "apn" && fetched["identity"] == "alice" && fetched["credential_sid"] == apn)
            #expect(fetched["url"] == "\(TestCredentials.publicURL)\(root)/\(aliceAPN)")
            // Another Service does not see them; there is no default-Service /v1/Bindings.
            let elsewhere = try await api.makeService("Elsewhere")
            #expect(try await api.get("/v1/Services/\(elsewhere)/Bindings/\(aliceAPN)").status == .notFound)
            #expect(try await api.get("/v1/Services/\(elsewhere)/Bindings").records.isEmpty)
            #expect(try await api.get("/v1/Bindings").status == .notFound)
            #expect(try await api.post(root).status == .methodNotAllowed)

            #expect(try await api.delete("\(root)/\(aliceAPN)").status == .noContent)
            #expect(try await api.get("\(root)/\(aliceAPN)").status == .notFound)
            #expect(try await api.delete("\(root)/\(aliceAPN)").status == .notFound)

            // A client deletes its own binding only.
            let notHers = try await alice.delete("/client/v1/PushBindings/\(bobFCM)")
            #expect(notHers.status == .notFound && notHers.code == 20404)
            #expect(try await alice.delete("/client/v1/PushBindings/\(aliceFCM)").status == .noContent)
            #expect(try await sids([]) == [bobFCM])
        }
    }

    /// `client.setPushRegistrationId('fcm', token)` in Twilio's JavaScript SDK: `@twilio/notifications` posts to the
    /// registrar (`/v1/registrations?productId=ip_messaging`) through twilsock; unregistering deletes.
    @Test func theSDKRegistersAndUnregistersThroughTheTwilsockTunnel() async throws {
        try await withLiveParley { api, sockets in
            let service = try await api.defaultServiceSid()
            let fcm = try await api.makePushCredential(.fcm)
            let token = try await api.pushToken("alice", pushCredentialSid: fcm)
            try await sockets.twilsock { alice in
                let registration: [String: Any] = [
                    "endpoint_platform": "web", "channel_type": "fcm", "version": "3",
                    "message_types": [
                        "twilio.conversations.new_message", "twilio.conversations.added_to_conversation",
                        "twilio.conversations.removed_from_conversation", "twilio.ipmsg.typing_indicator", "twilio.channel.consumption_update",
                    ],
                    "data": ["registration_id": "fcm-token-1"],
                ]
                #expect(try await alice.initialize(token: token).status == 200)
                let params = ["productId": "ip_messaging"]
                let created = try await alice.request("POST", "/v1/registrations", params: params, json: registration)
                #expect(created.status == 201, "\(created.body)")
                let id = try #require(created.body["id"] as? String)
                #expect(id.hasPrefix("BS"))
                // The SDK registers again on every start: the same binding.
                let again = try await alice.request("POST", "/v1/registrations", params: params, json: registration)
                #expect(again.body["id"] as? String == id)
                let listed = try await api.get("/v1/Services/\(service)/Bindings").records
                #expect(listed.count == 1)
                #expect(listed.first?["identity"] as? String == "alice" && listed.first?["credential_sid"] as? String == fcm)
                #expect(listed.first?["message_types"] as? [String] == ["new_message", "added_to_conversation", "removed_from_conversation"])

                // unsetPushRegistrationId: DELETE of the registration.
                #expect(try await alice.request("DELETE", "/v1/registrations/\(id)", params: params, json: [:]).status == 200)
                #expect(try await api.get("/v1/Services/\(service)/Bindings").records.isEmpty)
                // removePushRegistrations: DELETE by device address.
                _ = try await alice.request("POST", "/v1/registrations", params: params, json: registration)
                let removed = try await alice.request(
                    "DELETE", "/v1/registrations", params: params, json: ["binding_type": "fcm", "address": "fcm-token-1"])
                #expect(removed.status == 200)
                #expect(try await api.get("/v1/Services/\(service)/Bindings").records.isEmpty)
                // A registration without a device token is a 400 in Twilio's shape.
                let bad = try await alice.request("POST", "/v1/registrations", params: params, json: ["channel_type": "fcm", "data": [:]])
                #expect(bad.status == 400 && bad.body["code"] as? Int == 20001)
            }
        }
    }
}
