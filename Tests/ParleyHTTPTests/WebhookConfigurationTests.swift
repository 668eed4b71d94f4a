import Foundation
import Hummingbird
import ParleyCore
import Testing

/// Webhook configuration over REST: the resources' shapes, and bad input refused with nothing changed.
@Suite struct WebhookConfigurationTests {
    @Test func conversationWebhooksCanBeCreatedListedFetchedUpdatedAndDeleted() async throws {
        try await withParley { api in
            let service = try await api.makeService()
            let root = "/v1/Services/\(service)"
            let conversation = try await api.makeConversation(root)
            let created = try await api.post(
                "\(root)/Conversations/\(conversation)/Webhooks",
                [("Target", "webhook"), ("Configuration.Url", "https://example.com/hook"), ("Configuration.Method", "get"),
                 ("Configuration.Filters", "onMessageAdded"), ("Configuration.Filters", "onParticipantAdded")])
            #expect(created.status == .created, "\(created.text)")
            let sid = try #require(created["sid"])
            #expect(sid.hasPrefix("WH") && sid.count == 34)
            #expect(created["account_sid"] == TestCredentials.accountSid)
            #expect(created["chat_service_sid"] == service)
            #expect(created["conversation_sid"] == conversation)
            #expect(created["target"] == "webhook")
            #expect(created["url"] == "\(TestCredentials.publicURL)\(root)/Conversations/\(conversation)/Webhooks/\(sid)")
            let configuration = try #require(created.json["configuration"] as? [String: Any])
            #expect(configuration["url"] as? String == "https://example.com/hook")
            #expect(configuration["method"] as? String == "get")
            #expect(configuration["filters"] as? [String] == ["onMessageAdded", "onParticipantAdded"])

            let list = try await api.get("\(root)/Conversations/\(conversation)/Webhooks")
            #expect(list.status == .ok)
            #expect(list.meta["key"] as? String == "webhooks")
            #expect(list.records.map { $0["sid"] as? String } == [sid])

            let updated = try await api.post(
                "\(root)/Conversations/\(conversation)/Webhooks/\(sid)", [("Configuration.Method", "POST"), ("Configuration.Filters", "onMessageUpdated")])
            #expect(updated.status == .ok)
            let changed = try #require(updated.json["configuration"] as? [String: Any])
            #expect(changed["method"] as? String == "post")
            #expect(changed["filters"] as? [String] == ["onMessageUpdated"])
            #expect(try await api.get("\(root)/Conversations/\(conversation)/Webhooks/\(sid)")["target"] == "webhook")

            #expect(try await api.delete("\(root)/Conversations/\(conversation)/Webhooks/\(sid)").status == .noContent)
            let gone = try await api.get("\(root)/Conversations/\(conversation)/Webhooks/\(sid)")
            #expect(gone.status == .notFound)
            #expect(gone.code == 50360)
        }
    }

    @Test func badWebhookConfigurationIsRefusedWithTwilioCodes() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            let path = "/v1/Conversations/\(conversation)/Webhooks"
            func create(_ form: [(String, String)]) async throws -> TestResponse { try await api.post(path, form) }
            let url = ("Configuration.Url", "https://example.com/hook")

            #expect(try await create([url]).code == 20001)  // no Target
            #expect(try await create([("Target", "pigeon"), url]).code == 50364)
            #expect(try await create([("Target", "webhook"), url, ("Configuration.Filters", "onSomethingElse")]).code == 50365)
            #expect(try await create([("Target", "webhook"), url, ("Configuration.Filters", "onMessageAdd")]).code == 50365)  // pre-action: not here
            #expect(try await create([("Target", "webhook"), url, ("Configuration.Method", "PUT")]).status == .badRequest)
            #expect(try await create([("Target", "webhook"), ("Configuration.Url", "not a url")]).status == .badRequest)
            #expect(try await create([("Target", "webhook"), ("Configuration.Url", "ftp://example.com/x")]).status == .badRequest)
            #expect(try await create([("Target", "webhook")]).status == .badRequest)  // no Url
            #expect(try await create([("Target", "trigger"), url, ("Configuration.Triggers", "")]).code == 50366)
            #expect(try await create([("Target", "studio"), ("Configuration.FlowSid", "FWnope")]).status == .badRequest)
            #expect(try await api.get(path).records.isEmpty)

            for index in 0..<5 {
                let made = try await create([("Target", "webhook"), ("Configuration.Url", "https://example.com/\(index)")])
                #expect(made.status == .created)
            }
            let sixth = try await create([("Target", "webhook"), url])
            #expect(sixth.status == .badRequest)
            #expect(sixth.code == 50367)
            #expect(try await api.get(path).records.count == 5)

            // Account and Service level.
            #expect(try await api.post("/v1/Configuration/Webhooks", [("PostWebhookUrl", "nope")]).status == .badRequest)
            #expect(try await api.post("/v1/Configuration/Webhooks", [("Filters", "onNothing")]).code == 50365)
            #expect(try await api.post("/v1/Configuration/Webhooks", [("Method", "DELETE")]).status == .badRequest)
            #expect(try await api.post("/v1/Configuration/Webhooks", [("Target", "carrier-pigeon")]).status == .badRequest)
            let service = try await api.makeService()
            #expect(try await api.post("/v1/Services/\(service)/Configuration/Webhooks", [("PreWebhookUrl", "/relative")]).status == .badRequest)
            let untouched = try await api.get("/v1/Services/\(service)/Configuration/Webhooks")
            #expect(untouched.status == .ok)
            #expect(untouched.json["pre_webhook_url"] is NSNull)
            #expect(untouched["method"] == "POST")
            #expect(untouched["chat_service_sid"] == service)
            #expect(try await api.get("/v1/Configuration/Webhooks").json["post_webhook_url"] is NSNull)
        }
    }
}
