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
            #expect(gone.code == 20404, "a missing conversation webhook is a missing resource like any other")
            for (method, form) in [(HTTPRequest.Method.post, [("Configuration.Method", "GET")]), (.delete, [])] {
                let missing = try await api.request(method, "\(root)/Conversations/\(conversation)/Webhooks/\(sid)", form)
                #expect(missing.status == .notFound)
                #expect(missing.code == 20404)
                #expect(missing.json["more_info"] as? String == "https://www.twilio.com/docs/errors/20404")
            }
        }
    }

    /// `Filters` keep each event once, in the order first given, and take no more values than the scope has events.
    @Test func filtersAreDeduplicatedAndCappedAtEveryScope() async throws {
        try await withParley { api in
            let service = try await api.makeService()
            let conversation = try await api.makeConversation()
            let hook = "/v1/Conversations/\(conversation)/Webhooks"
            let url = ("Configuration.Url", "https://example.com/hook")
            let doubled = ["onMessageAdded", "onParticipantAdded", "onMessageAdded", "onParticipantAdded", "onMessageAdded"]
            func filters(_ response: TestResponse, _ path: [String]) -> [String]? {
                var node: Any? = response.json
                for key in path { node = (node as? [String: Any])?[key] }
                return node as? [String]
            }

            let created = try await api.post(hook, [("Target", "webhook"), url] + doubled.map { ("Configuration.Filters", $0) })
            #expect(created.status == .created, "\(created.text)")
            #expect(filters(created, ["configuration", "filters"]) == ["onMessageAdded", "onParticipantAdded"])
            let sid = try #require(created["sid"])
            let updated = try await api.post("\(hook)/\(sid)", ["onDeliveryUpdated", "onMessageAdded", "onDeliveryUpdated"].map { ("Configuration.Filters", $0) })
            #expect(filters(updated, ["configuration", "filters"]) == ["onDeliveryUpdated", "onMessageAdded"])

            for path in ["/v1/Configuration/Webhooks", "/v1/Services/\(service)/Configuration/Webhooks"] {
                let saved = try await api.post(path, doubled.map { ("Filters", $0) })
                #expect(saved.status == .ok, "\(path): \(saved.text)")
                #expect(filters(saved, ["filters"]) == ["onMessageAdded", "onParticipantAdded"], "\(path)")
                #expect(filters(try await api.get(path), ["filters"]) == ["onMessageAdded", "onParticipantAdded"], "\(path)")
            }

            let address = try await api.post(
                "/v1/Configuration/Addresses",
                [("Type", "sms"), ("Address", "+15552220900"), ("AutoCreation.Enabled", "true"), ("AutoCreation.Type", "webhook"),
                 ("AutoCreation.WebhookUrl", "https://example.com/hook")] + doubled.map { ("AutoCreation.WebhookFilters", $0) })
            #expect(address.status == .created, "\(address.text)")
            #expect(filters(address, ["auto_creation", "webhook_filters"]) == ["onMessageAdded", "onParticipantAdded"])
            let addressSid = try #require(address["sid"])

            // More values than the scope has events: refused, nothing changed (the flood of the probe was 40,000).
            let flood = Array(repeating: "onMessageAdded", count: 2_000)
            let refusals: [(String, String)] = [
                ("\(hook)/\(sid)", "Configuration.Filters"), ("/v1/Configuration/Webhooks", "Filters"),
                ("/v1/Services/\(service)/Configuration/Webhooks", "Filters"), ("/v1/Configuration/Addresses/\(addressSid)", "AutoCreation.WebhookFilters"),
            ]
            for (path, name) in refusals {
                let refused = try await api.post(path, flood.map { (name, $0) })
                #expect(refused.status == .badRequest, "\(path)")
                #expect(refused.code == 20001, "\(path)")
                #expect(refused["message"]?.contains(name) == true, "\(path): \(refused.text)")
            }
            let refusedCreate = try await api.post(hook, [("Target", "webhook"), url] + flood.map { ("Configuration.Filters", $0) })
            #expect(refusedCreate.code == 20001)
            #expect(filters(try await api.get("\(hook)/\(sid)"), ["configuration", "filters"]) == ["onDeliveryUpdated", "onMessageAdded"])
            #expect(filters(try await api.get("/v1/Configuration/Webhooks"), ["filters"]) == ["onMessageAdded", "onParticipantAdded"])
            #expect(filters(try await api.get("/v1/Configuration/Addresses/\(addressSid)"), ["auto_creation", "webhook_filters"])
                == ["onMessageAdded", "onParticipantAdded"])
            #expect(try await api.get(hook).records.count == 1)

            // Every event of the scope once is the most a list holds, and is accepted.
            let every = WebhookEvent.conversationScoped.map(\.rawValue)
            let all = try await api.post("\(hook)/\(sid)", every.map { ("Configuration.Filters", $0) })
            #expect(all.status == .ok)
            #expect(filters(all, ["configuration", "filters"]) == every)
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
