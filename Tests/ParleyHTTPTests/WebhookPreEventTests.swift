import Foundation
import Hummingbird
import ParleyCore
import Testing

/// Pre-action webhooks: called before the change, which they may reject or modify.
@Suite struct WebhookPreEventTests {
    @Test func aRejectingPreWebhookStopsTheActionAndChangesNothing() async throws {
        try await withWebhookReceiver { receiver in
            receiver.answer("/hook/pre") { request in
                request["Body"]?.contains("spam") == true ? ReceiverAnswer(status: 403) : ReceiverAnswer()
            }
            try await withWebhookParley { api in
                _ = try await api.post("/v1/Configuration/Webhooks", [("PreWebhookUrl", receiver.url("/hook/pre")), ("Filters", "onMessageAdd")])
                let conversation = try await api.makeConversation()
                let refused = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "buy spam now"), ("Author", "eve")])
                #expect(refused.status == .forbidden)
                #expect(refused.code == 50050)
                #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.isEmpty)

                let accepted = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "hello"), ("Author", "eve")])
                #expect(accepted.status == .created)
                #expect(accepted.json["index"] as? Int == 0)

                let calls = receiver.requests(to: "/hook/pre")
                #expect(calls.count == 2)
                #expect(calls[0]["EventType"] == "onMessageAdd")
                #expect(calls[0]["ConversationSid"] == conversation)
                #expect(calls[0]["Author"] == "eve")
                #expect(calls[0]["MessageSid"] == nil)
                #expect(calls.allSatisfy(receiver.hasValidSignature))
                // Without X-Twilio-Webhook-Enabled, REST actions do not call it.
                _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "more spam")])
                #expect(receiver.requests(to: "/hook/pre").count == 2)
            }
        }
    }

    @Test func aPreWebhookMayRewriteBodyAuthorAndAttributes() async throws {
        try await withWebhookReceiver { receiver in
            receiver.answer("/hook/rewrite") { _ in
                ReceiverAnswer(status: 200, body: #"{"body": "[redacted]", "author": "moderator", "attributes": {"checked": true}}"#)
            }
            try await withWebhookParley { api in
                let service = try await api.makeService()
                _ = try await api.post(
                    "/v1/Services/\(service)/Configuration/Webhooks",
                    [("PreWebhookUrl", receiver.url("/hook/rewrite")), ("Filters", "onMessageAdd"), ("Filters", "onConversationAdd")])
                let conversation = try await api.postFiring("/v1/Services/\(service)/Conversations", [("FriendlyName", "plain")])
                #expect(conversation.status == .created)
                let sid = try #require(conversation["sid"])
                let message = try await api.postFiring("/v1/Services/\(service)/Conversations/\(sid)/Messages", [("Body", "my card is 4111"), ("Author", "dan")])
                #expect(message.status == .created, "\(message.text)")
                #expect(message["body"] == "[redacted]")
                #expect(message["author"] == "moderator")
                #expect(message["attributes"] == #"{"checked":true}"#)
                #expect(receiver.requests(to: "/hook/rewrite").map { $0["EventType"] } == ["onConversationAdd", "onMessageAdd"])
            }
        }
    }

    @Test func aConversationPreWebhookMayRenameAndAChatClientIsAskedToo() async throws {
        try await withWebhookReceiver { receiver in
            receiver.answer("/hook/names") { request in
                request["EventType"] == "onConversationAdd" ? ReceiverAnswer(body: #"{"friendly_name": "Renamed"}"#) : ReceiverAnswer(status: 500)
            }
            try await withWebhookParley { api in
                _ = try await api.post(
                    "/v1/Configuration/Webhooks",
                    [("PreWebhookUrl", receiver.url("/hook/names")), ("Filters", "onConversationAdd"), ("Filters", "onParticipantAdd")])
                let created = try await api.postFiring("/v1/Conversations", [("FriendlyName", "Original")])
                #expect(created["friendly_name"] == "Renamed")
                // onParticipantAdd answers 500: the chat client's add is refused.
                let conversation = try #require(created["sid"])
                _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "frank")])
                let frank = try await api.chatClient("frank")
                let refused = try await frank.post("/client/v1/Conversations/\(conversation)/Participants", [("Identity", "grace")])
                #expect(refused.status == .forbidden)
                #expect(refused.code == 50050)
                let participants = try await api.get("/v1/Conversations/\(conversation)/Participants")
                #expect(participants.records.count == 1)
                let asked = receiver.requests(to: "/hook/names").last
                #expect(asked?["Source"] == "SDK")
                #expect(asked?["ClientIdentity"] == "frank")
                #expect(asked?["Identity"] == "grace")
            }
        }
    }

    @Test func aPreWebhookThatDoesNotAnswerInTimeLetsTheActionThrough() async throws {
        try await withWebhookReceiver { receiver in
            receiver.answer("/hook/sleepy") { _ in ReceiverAnswer(status: 403, delay: .seconds(3)) }
            try await withWebhookParley { api in
                _ = try await api.post("/v1/Configuration/Webhooks", [("PreWebhookUrl", receiver.url("/hook/sleepy")), ("Filters", "onMessageAdd")])
                let conversation = try await api.makeConversation()
                let message = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "still sent")])
                #expect(message.status == .created)
                #expect(message["body"] == "still sent")
                // An address nothing listens on: also let through.
                _ = try await api.post("/v1/Configuration/Webhooks", [("PreWebhookUrl", "http://127.0.0.1:9/hook/none")])
                let other = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "also sent")])
                #expect(other.status == .created)
            }
        }
    }

    @Test func updateAndRemovePreWebhooksMayRejectOrRewrite() async throws {
        try await withWebhookReceiver { receiver in
            receiver.answer("/hook/guard") { request in
                switch request["EventType"] {
                case "onMessageUpdate": ReceiverAnswer(body: #"{"body": "edited by the hook"}"#)
                case "onConversationUpdate": ReceiverAnswer(body: #"{"friendly_name": "Kept tidy"}"#)
                default: ReceiverAnswer(status: 409)  // every remove, and user updates, are refused
                }
            }
            try await withWebhookParley { api in
                _ = try await api.post(
                    "/v1/Configuration/Webhooks",
                    [("PreWebhookUrl", receiver.url("/hook/guard"))] + [
                        "onMessageUpdate", "onMessageRemove", "onConversationUpdate", "onConversationRemove", "onParticipantRemove", "onUserUpdate",
                    ].map { ("Filters", $0) })
                let conversation = try await api.makeConversation()
                let message = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "first")])["sid"])
                _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "hana")])

                let edited = try await api.postFiring("/v1/Conversations/\(conversation)/Messages/\(message)", [("Body", "second")])
                #expect(edited["body"] == "edited by the hook")
                #expect(receiver.requests(to: "/hook/guard").last?["Body"] == "second")
                let renamed = try await api.postFiring("/v1/Conversations/\(conversation)", [("FriendlyName", "messy")])
                #expect(renamed["friendly_name"] == "Kept tidy")

                #expect(try await api.deleteFiring("/v1/Conversations/\(conversation)/Messages/\(message)").code == 50050)
                #expect(try await api.deleteFiring("/v1/Conversations/\(conversation)/Participants/hana").code == 50050)
                #expect(try await api.deleteFiring("/v1/Conversations/\(conversation)").code == 50050)
                #expect(try await api.postFiring("/v1/Users/hana", [("FriendlyName", "H")]).code == 50050)
                // A chat client's removal is asked too.
                let hana = try await api.chatClient("hana")
                #expect(try await hana.request(.delete, "/client/v1/Conversations/\(conversation)/Participants/hana").code == 50050)

                #expect(try await api.get("/v1/Conversations/\(conversation)/Messages/\(message)").status == .ok)
                #expect(try await api.get("/v1/Conversations/\(conversation)/Participants/hana").status == .ok)
                #expect(try await api.get("/v1/Conversations/\(conversation)").status == .ok)
                #expect(try await api.get("/v1/Users/hana")["friendly_name"] == nil)
                // Without the header, REST removes are not asked.
                #expect(try await api.delete("/v1/Conversations/\(conversation)/Messages/\(message)").status == .noContent)
            }
        }
    }
}
