import Foundation
import Hummingbird
import ParleyCore
import Testing

/// `POST /inbound/messaging`: routing by binding, autocreation, unrouted, dedup, signatures, bad input.
@Suite struct ChannelInboundTests {
    @Test func inboundToAnExistingBindingInsertsOnceAndAnswersEmptyTwiML() async throws {
        try await withChannelParley { api in
            let conversation = try await api.makeConversation()
            let participant = try await api.addMessagingParticipant(conversation, address: "+15551110001", proxy: "+15552220001")
            let form = TestAPI.incoming(from: "+15551110001", to: "+15552220001", body: "hello from SMS", sid: "SM00000000000000000000000000000001")
            let answer = try await api.inbound(form)
            #expect(answer.status == .ok, "\(answer.text)")
            #expect(answer.headers[.contentType] == "text/xml")
            #expect(answer.text.contains("<Response/>"))

            let retried = try await api.inbound(form)
            #expect(retried.status == .ok)
            let messages = try await api.get("/v1/Conversations/\(conversation)/Messages").records
            #expect(messages.count == 1)
            #expect(messages.first?["author"] as? String == "+15551110001")
            #expect(messages.first?["body"] as? String == "hello from SMS")
            #expect(messages.first?["participant_sid"] as? String == participant)
        }
    }

    @Test func inboundMediaIsFetchedIntoStorageOrKeptAsAReference() async throws {
        let photo: [UInt8] = [0xFF, 0xD8, 0xFF] + [UInt8](repeating: 3, count: 1000)
        try await RemoteFileServer.serving(["/media/photo.jpg": .init(contentType: "image/jpeg", bytes: photo)]) { base in
            try await withChannelParley { api in
                let conversation = try await api.makeConversation()
                _ = try await api.addMessagingParticipant(conversation, address: "whatsapp:+15551110002", proxy: "whatsapp:+15552220002")
                var form = TestAPI.incoming(from: "whatsapp:+15551110002", to: "whatsapp:+15552220002", body: "")
                form.removeAll { $0.0 == "NumMedia" }
                let unreachable = "http://127.0.0.1:1/media/ME1"
                form += [
                    ("NumMedia", "2"), ("MediaUrl0", "\(base)/media/photo.jpg"), ("MediaContentType0", "image/jpeg"),
                    ("MediaUrl1", unreachable), ("MediaContentType1", "image/png"),
                ]
                #expect(try await api.inbound(form).status == .ok)
                let message = try #require(try await api.get("/v1/Conversations/\(conversation)/Messages").records.first)
                let media = try #require(message["media"] as? [[String: Any]])
                #expect(media.count == 2)
                #expect(media.first?["content_type"] as? String == "image/jpeg")
                #expect(media.first?["size"] as? Int == photo.count)
                #expect(media.last?["content_type"] as? String == "image/png")

                // The fetched photo is Parley's own copy; the unreachable one points back at the sender's URL.
                let service = try await api.defaultServiceSid()
                let stored = try await api.download("/v1/Services/\(service)/Media/\(try #require(media.first?["sid"] as? String))/Content")
                #expect(stored.status == .ok && stored.bytes == photo)
                let referenced = try await api.download("/v1/Services/\(service)/Media/\(try #require(media.last?["sid"] as? String))/Content")
                #expect(referenced.status == .found && referenced.headers[.location] == unreachable)

                // Twilio retrying the same webhook adds nothing and leaves no second copy.
                #expect(try await api.inbound(form).status == .ok)
                #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.count == 1)
                #expect(try api.storedFiles().count == 1)
            }
        }
    }

    @Test func autocreationFromAnAddressConfigurationAndANewConversationAfterClosing() async throws {
        try await withChannelParley { api in
            let created = try await api.post(
                "/v1/Configuration/Addresses",
                [("Type", "sms"), ("Address", "+15552220100"), ("FriendlyName", "support line"), ("AutoCreation.Enabled", "true")])
            #expect(created.status == .created, "\(created.text)")
            #expect(created["sid"]?.hasPrefix("IG") == true)
            let auto = try #require(created.json["auto_creation"] as? [String: Any])
            #expect(auto["enabled"] as? Bool == true)
            #expect(auto["type"] as? String == "default")
            #expect(try await api.get("/v1/Configuration/Addresses").records.count == 1)

            #expect(try await api.inbound(TestAPI.incoming(from: "+15551110100", to: "+15552220100", body: "first")).status == .ok)
            let conversations = try await api.get("/v1/Conversations").records
            #expect(conversations.count == 1)
            let first = try #require(conversations.first?["sid"] as? String)
            let participants = try await api.get("/v1/Conversations/\(first)/Participants").records
            let binding = try #require(participants.first?["messaging_binding"] as? [String: Any])
            #expect(binding["address"] as? String == "+15551110100")
            #expect(binding["proxy_address"] as? String == "+15552220100")
            #expect(try await api.get("/v1/Conversations/\(first)/Messages").records.first?["body"] as? String == "first")

            // The same pair again goes to the same conversation.
            #expect(try await api.inbound(TestAPI.incoming(from: "+15551110100", to: "+15552220100", body: "second")).status == .ok)
            #expect(try await api.get("/v1/Conversations").records.count == 1)

            // Closing releases the pair: the next message starts a new conversation.
            #expect(try await api.post("/v1/Conversations/\(first)", [("State", "closed")]).status == .ok)
            #expect(try await api.inbound(TestAPI.incoming(from: "+15551110100", to: "+15552220100", body: "third")).status == .ok)
            let after = try await api.get("/v1/Conversations").records
            #expect(after.count == 2)
            let second = try #require(after.last?["sid"] as? String)
            #expect(second != first)
            #expect(try await api.get("/v1/Conversations/\(second)/Messages").records.first?["body"] as? String == "third")
        }
    }

    @Test func addressConfigurationsUpdateFetchDeleteAndRefuseBadInput() async throws {
        try await withChannelParley { api in
            let created = try await api.post("/v1/Configuration/Addresses", [("Type", "whatsapp"), ("Address", "whatsapp:+15552220200")])
            let sid = try #require(created["sid"])
            #expect((created.json["auto_creation"] as? [String: Any])?["enabled"] as? Bool == false)
            let service = try await api.makeService()
            let updated = try await api.post(
                "/v1/Configuration/Addresses/\(sid)",
                [("AutoCreation.Enabled", "true"), ("AutoCreation.Type", "webhook"), ("AutoCreation.ConversationServiceSid", service),
                 ("AutoCreation.WebhookUrl", "https://example.com/hook"), ("AutoCreation.WebhookMethod", "post"),
                 ("AutoCreation.WebhookFilters", "onMessageAdded"), ("AutoCreation.WebhookFilters", "onParticipantAdded")])
            #expect(updated.status == .ok, "\(updated.text)")
            let auto = try #require(updated.json["auto_creation"] as? [String: Any])
            #expect(auto["conversation_service_sid"] as? String == service)
            #expect(auto["webhook_method"] as? String == "POST")
            #expect(auto["webhook_filters"] as? [String] == ["onMessageAdded", "onParticipantAdded"])
            #expect(try await api.get("/v1/Configuration/Addresses/\(sid)")["address"] == "whatsapp:+15552220200")
            #expect(try await api.get("/v1/Configuration/Addresses", [("Type", "sms")]).records.isEmpty)

            // The autocreated conversation lands in the configured Service.
            #expect(try await api.inbound(TestAPI.incoming(from: "whatsapp:+15551110200", to: "whatsapp:+15552220200", body: "hi")).status == .ok)
            #expect(try await api.get("/v1/Services/\(service)/Conversations").records.count == 1)

            #expect(try await api.post("/v1/Configuration/Addresses", [("Type", "fax"), ("Address", "+1")]).status == .badRequest)
            #expect(try await api.post("/v1/Configuration/Addresses", [("Type", "sms")]).status == .badRequest)
            #expect(try await api.post("/v1/Configuration/Addresses", [("Type", "whatsapp"), ("Address", "whatsapp:+15552220200")]).status == .badRequest)
            #expect(try await api.post("/v1/Configuration/Addresses/\(sid)", [("AutoCreation.Type", "robot")]).status == .badRequest)
            #expect(try await api.delete("/v1/Configuration/Addresses/\(sid)").status == .noContent)
            #expect(try await api.get("/v1/Configuration/Addresses/\(sid)").status == .notFound)
        }
    }

    /// Without `AutoCreation.ConversationServiceSid` a configuration autocreates in the account's default Service: it says
    /// which, as of the moment it is read, and follows a later change of the default (it stores none of its own).
    @Test func addressConfigurationsWithoutAServiceReportTheDefaultServiceTheyUse() async throws {
        try await withChannelParley { api in
            func serviceSid(_ response: TestResponse) -> String? {
                (response.json["auto_creation"] as? [String: Any])?["conversation_service_sid"] as? String
            }
            let defaultService = try #require(try await api.get("/v1/Configuration")["default_chat_service_sid"])
            let created = try await api.post(
                "/v1/Configuration/Addresses", [("Type", "sms"), ("Address", "+15552220400"), ("AutoCreation.Enabled", "true")])
            #expect(created.status == .created, "\(created.text)")
            let sid = try #require(created["sid"])
            #expect(serviceSid(created) == defaultService)
            #expect(serviceSid(try await api.get("/v1/Configuration/Addresses/\(sid)")) == defaultService)
            #expect(try await api.get("/v1/Configuration/Addresses").records.compactMap {
                ($0["auto_creation"] as? [String: Any])?["conversation_service_sid"] as? String } == [defaultService])
            #expect(serviceSid(try await api.post("/v1/Configuration/Addresses/\(sid)", [("FriendlyName", "front desk")])) == defaultService)

            // The default changes: the configuration now reports, and autocreates in, the new default.
            let newDefault = try await api.makeService("New default")
            #expect(try await api.post("/v1/Configuration", [("DefaultChatServiceSid", newDefault)]).status == .ok)
            #expect(serviceSid(try await api.get("/v1/Configuration/Addresses/\(sid)")) == newDefault)
            #expect(try await api.inbound(TestAPI.incoming(from: "+15551110400", to: "+15552220400", body: "hello")).status == .ok)
            #expect(try await api.get("/v1/Services/\(newDefault)/Conversations").records.count == 1)

            // A Service named explicitly stays what it is.
            let pinned = try await api.post("/v1/Configuration/Addresses/\(sid)", [("AutoCreation.ConversationServiceSid", defaultService)])
            #expect(serviceSid(pinned) == defaultService)
            #expect(try await api.post("/v1/Configuration", [("DefaultChatServiceSid", newDefault)]).status == .ok)
            #expect(serviceSid(try await api.get("/v1/Configuration/Addresses/\(sid)")) == defaultService)
        }
    }

    @Test func unroutedInboundIsKeptAndAnsweredAsTwilioExpects() async throws {
        try await withChannelParley { api in
            let answer = try await api.inbound(TestAPI.incoming(from: "+15551110300", to: "+15552220300", body: "anyone?"))
            #expect(answer.status == .ok)
            #expect(answer.text.contains("<Response/>"))
            #expect(try await api.get("/v1/Conversations").records.isEmpty)
            #expect(try await api.parley.store.read { tx in try tx.unroutedCount(to: "+15552220300") } == 1)
        }
    }

    @Test func signaturesAreChecked() async throws {
        try await withChannelParley { api in
            let conversation = try await api.makeConversation()
            _ = try await api.addMessagingParticipant(conversation, address: "+15551110400", proxy: "+15552220400")
            let form = TestAPI.incoming(from: "+15551110400", to: "+15552220400", body: "signed")
            let missing = try await api.authenticated(as: nil).request(.post, "/inbound/messaging", form)
            #expect(missing.status == .unauthorized)
            #expect(missing.code == 20003)
            let wrong = try await api.inbound(form, signature: "bm90IHRoZSBzaWduYXR1cmU=")
            #expect(wrong.status == .forbidden)
            // Signed over other parameters: the body was tampered with.
            var tampered = form
            tampered[5] = ("Body", "tampered")
            let forged = TwilioSignature.compute(
                url: TestCredentials.publicURL + "/inbound/messaging", parameters: form.map { (name: $0.0, value: $0.1) },
                authToken: TestCredentials.authToken)
            #expect(try await api.inbound(tampered, signature: forged).status == .forbidden)
            #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.isEmpty)

            #expect(try await api.inbound(form).status == .ok)
            // HTTP Basic, for gateways that do not sign.
            let basic = try await api.request(.post, "/inbound/messaging", TestAPI.incoming(from: "+15551110400", to: "+15552220400", body: "basic"))
            #expect(basic.status == .ok)
            let badBasic = try await api.authenticated(as: "Basic " + Data("\(TestCredentials.accountSid):nope".utf8).base64EncodedString())
                .request(.post, "/inbound/messaging", TestAPI.incoming(from: "+15551110400", to: "+15552220400", body: "x"))
            #expect(badBasic.status == .unauthorized)
            #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.count == 2)
        }
    }

    @Test func badInboundInputIsRefusedAndChangesNothing() async throws {
        try await withChannelParley { (api: TestAPI) async throws in
            var missingFrom = TestAPI.incoming(from: "", to: "+15552220500", body: "x")
            missingFrom.removeAll { $0.0 == "From" }
            #expect(try await api.inbound(missingFrom).status == .badRequest)
            #expect(try await api.inbound(TestAPI.incoming(from: "fax:+15551110500", to: "+15552220500", body: "x")).status == .badRequest)
            #expect(try await api.inbound(TestAPI.incoming(from: "whatsapp:+15551110500", to: "+15552220500", body: "x")).status == .badRequest)
            #expect(try await api.inbound(TestAPI.incoming(from: "+15551110500", to: "+15552220500", body: String(repeating: "x", count: 40_000))).status
                == .badRequest)
            #expect(try await api.parley.store.read { tx in try tx.unroutedCount() } == 0)
        }
    }
}
