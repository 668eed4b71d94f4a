import Foundation
import Hummingbird
import ParleyCore
import Synchronization
import Testing

/// Post-action webhooks end to end: a real local receiver, the outbox, and the delivery worker.
@Suite struct WebhookDeliveryTests {
    @Test func serviceWebhooksAreSignedFormPostsWithTwiliosParameters() async throws {
        try await withWebhookReceiver { receiver in
            try await withWebhookParley { api in
                let service = try await api.makeService()
                let root = "/v1/Services/\(service)"
                let configured = try await api.post(
                    "\(root)/Configuration/Webhooks",
                    [("PostWebhookUrl", receiver.url("/hook/service")), ("Method", "POST"), ("Filters", "onConversationAdded"), ("Filters", "onMessageAdded")])
                #expect(configured.status == .ok, "\(configured.text)")
                #expect(configured["post_webhook_url"] == receiver.url("/hook/service"))
                #expect(configured.json["filters"] as? [String] == ["onConversationAdded", "onMessageAdded"])

                let conversation = try #require(try await api.postFiring("\(root)/Conversations", [("FriendlyName", "Support")])["sid"])
                let message = try await api.postFiring(
                    "\(root)/Conversations/\(conversation)/Messages", [("Author", "alice"), ("Body", "Hello & welcome"), ("Attributes", #"{"a":1}"#)])
                #expect(message.status == .created)

                let received = try await receiver.wait(for: 2, to: "/hook/service")
                #expect(received.map { $0["EventType"] } == ["onConversationAdded", "onMessageAdded"])
                let added = received[1]
                #expect(added.method == "POST")
                #expect(added.headers["content-type"] == "application/x-www-form-urlencoded")
                #expect(added["AccountSid"] == TestCredentials.accountSid)
                #expect(added["ChatServiceSid"] == service)
                #expect(added["ConversationSid"] == conversation)
                #expect(added["MessageSid"] == message["sid"])
                #expect(added["Index"] == "0")
                #expect(added["Author"] == "alice")
                #expect(added["Body"] == "Hello & welcome")
                #expect(added["Attributes"] == #"{"a":1}"#)
                #expect(added["Source"] == "API")
                #expect(added["DateCreated"] == message["date_created"])
                #expect(received[0]["FriendlyName"] == "Support")
                for request in received {
                    #expect(receiver.hasValidSignature(request), "signature of \(request["EventType"] ?? "?")")
                    #expect(request.headers["i-twilio-idempotency-token"]?.isEmpty == false)
                }
                #expect(Set(received.compactMap { $0.headers["i-twilio-idempotency-token"] }).count == 2)
            }
        }
    }

    @Test func accountWebhooksCanUseGETAndAreSignedOverTheQuery() async throws {
        try await withWebhookReceiver { receiver in
            try await withWebhookParley { api in
                let configured = try await api.post(
                    "/v1/Configuration/Webhooks",
                    [("PostWebhookUrl", receiver.url("/hook/account")), ("Method", "GET"), ("Filters", "onParticipantAdded"), ("Target", "webhook")])
                #expect(configured.status == .ok, "\(configured.text)")
                #expect(configured["method"] == "GET")
                #expect(configured["target"] == "webhook")
                #expect(configured["url"] == "\(TestCredentials.publicURL)/v1/Configuration/Webhooks")
                let fetched = try await api.get("/v1/Configuration/Webhooks")
                #expect(fetched["post_webhook_url"] == receiver.url("/hook/account"))

                let conversation = try await api.makeConversation()
                _ = try await api.postFiring("/v1/Conversations/\(conversation)/Participants", [("Identity", "bob")])
                let received = try await receiver.wait(for: 1, to: "/hook/account")
                #expect(received[0].method == "GET")
                #expect(received[0]["EventType"] == "onParticipantAdded")
                #expect(received[0]["Identity"] == "bob")
                #expect(received[0]["MessagingBinding.Type"] == "CHAT")
                #expect(receiver.hasValidSignature(received[0]))
            }
        }
    }

    @Test func filtersAndTheRESTHeaderDecideWhatIsSent() async throws {
        try await withWebhookReceiver { receiver in
            try await withWebhookParley { api in
                _ = try await api.post(
                    "/v1/Configuration/Webhooks", [("PostWebhookUrl", receiver.url("/hook/filtered")), ("Filters", "onMessageAdded")])
                let conversation = try await api.makeConversation()
                // Not in the filters: nothing. Without X-Twilio-Webhook-Enabled: nothing.
                _ = try await api.postFiring("/v1/Conversations/\(conversation)/Participants", [("Identity", "carol")])
                _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "quiet")])
                // With the header: sent.
                _ = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "loud")])
                // A chat client (SDK) always fires, with its identity.
                let carol = try await api.chatClient("carol")
                let sent = try await carol.post("/client/v1/Conversations/\(conversation)/Messages", [("Body", "from the app")])
                #expect(sent.status == .created, "\(sent.text)")

                let received = try await receiver.wait(for: 2, to: "/hook/filtered")
                #expect(received.map { $0["Body"] } == ["loud", "from the app"])
                #expect(received.map { $0["Source"] } == ["API", "SDK"])
                #expect(received[1]["ClientIdentity"] == "carol")
                #expect(received[0]["ClientIdentity"] == nil)
                // Nothing else is on its way: the outbox holds exactly the two, delivered.
                try await waitUntil { try await api.get("/v1/Webhooks/Failures", [("Status", "delivered")]).records.count == 2 }
                #expect(try await api.get("/v1/Webhooks/Failures", [("Status", "pending")]).records.isEmpty)
                #expect(try await api.get("/v1/Webhooks/Failures").records.isEmpty)
            }
        }
    }

    @Test func conversationWebhooksGetTheirConversationsEvents() async throws {
        try await withWebhookReceiver { receiver in
            try await withWebhookParley { api in
                let watched = try await api.makeConversation()
                let other = try await api.makeConversation()
                let created = try await api.post(
                    "/v1/Conversations/\(watched)/Webhooks",
                    [("Target", "webhook"), ("Configuration.Url", receiver.url("/hook/conv")), ("Configuration.Method", "POST"),
                     ("Configuration.Filters", "onMessageAdded"), ("Configuration.Filters", "onConversationRemoved")])
                #expect(created.status == .created, "\(created.text)")
                let webhookSid = try #require(created["sid"])
                _ = try await api.postFiring("/v1/Conversations/\(other)/Messages", [("Body", "elsewhere")])
                _ = try await api.postFiring("/v1/Conversations/\(watched)/Messages", [("Body", "here")])
                _ = try await api.deleteFiring("/v1/Conversations/\(watched)")
                let received = try await receiver.wait(for: 2, to: "/hook/conv")
                #expect(received.map { $0["EventType"] } == ["onMessageAdded", "onConversationRemoved"])
                #expect(received[0]["Body"] == "here")
                #expect(received[0]["WebhookSid"] == webhookSid)
                #expect(received[1]["DateRemoved"] != nil)
                #expect(received.allSatisfy(receiver.hasValidSignature))
            }
        }
    }

    @Test func failedDeliveriesAreRetriedWithTheSameIdempotencyToken() async throws {
        try await withWebhookReceiver { receiver in
            let failures = Counter()
            receiver.answer("/hook/flaky") { _ in failures.next() <= 2 ? ReceiverAnswer(status: 500) : ReceiverAnswer(status: 204) }
            try await withWebhookParley { api in
                _ = try await api.post("/v1/Configuration/Webhooks", [("PostWebhookUrl", receiver.url("/hook/flaky")), ("Filters", "onMessageAdded")])
                let conversation = try await api.makeConversation()
                _ = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "retry me")])
                let received = try await receiver.wait(for: 3, to: "/hook/flaky")
                #expect(Set(received.compactMap { $0.headers["i-twilio-idempotency-token"] }).count == 1)
                #expect(received.allSatisfy { $0["Body"] == "retry me" && receiver.hasValidSignature($0) })
                try await waitUntil { try await api.get("/v1/Webhooks/Failures", [("Status", "delivered")]).records.count == 1 }
                #expect(try await api.get("/v1/Webhooks/Failures").records.isEmpty)
            }
        }
    }

    @Test func deliveriesThatKeepFailingAreListedWithTheirLastError() async throws {
        try await withWebhookReceiver { receiver in
            receiver.answer("/hook/down") { _ in ReceiverAnswer(status: 503) }
            try await withWebhookParley { api in
                _ = try await api.post("/v1/Configuration/Webhooks", [("PostWebhookUrl", receiver.url("/hook/down")), ("Filters", "onMessageAdded")])
                let conversation = try await api.makeConversation()
                _ = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "nobody home")])
                try await waitUntil { try await api.get("/v1/Webhooks/Failures").records.count == 1 }
                let failure = try #require(try await api.get("/v1/Webhooks/Failures").records.first)
                #expect(failure["status"] as? String == "failed")
                #expect(failure["attempts"] as? Int == fastWebhookSettings.backoff.maxAttempts)
                #expect(failure["last_status_code"] as? Int == 503)
                #expect(failure["last_error"] as? String == "HTTP 503")
                #expect(failure["event_type"] as? String == "onMessageAdded")
                #expect(failure["target_url"] as? String == receiver.url("/hook/down"))
                #expect(receiver.requests(to: "/hook/down").count == fastWebhookSettings.backoff.maxAttempts)
            }
        }
    }

    @Test func eachConversationIsDeliveredInOrderEvenAcrossRetries() async throws {
        try await withWebhookReceiver { receiver in
            let firstAttempts = Counter()
            // The first message's first attempt fails: the later messages must wait for its retry.
            receiver.answer("/hook/ordered") { request in
                request["Index"] == "0" && firstAttempts.next() == 1 ? ReceiverAnswer(status: 500) : ReceiverAnswer()
            }
            try await withWebhookParley { api in
                _ = try await api.post("/v1/Configuration/Webhooks", [("PostWebhookUrl", receiver.url("/hook/ordered")), ("Filters", "onMessageAdded")])
                let conversation = try await api.makeConversation()
                for index in 0..<5 {
                    _ = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "message \(index)")])
                }
                let received = try await receiver.wait(for: 6, to: "/hook/ordered")
                // In arrival order, repeats (retries) collapsed: 0 (failed, then retried) before 1, 2, 3, 4.
                let indexes = received.map { $0["Index"] ?? "?" }
                #expect(indexes.prefix(2) == ["0", "0"])
                #expect(indexes.enumerated().filter { $0.offset == 0 || indexes[$0.offset - 1] != $0.element }.map(\.element) == ["0", "1", "2", "3", "4"])
            }
        }
    }

    @Test func aHangingReceiverHoldsUpOnlyItsOwnDeliveries() async throws {
        try await withWebhookReceiver { receiver in
            receiver.answer("/hook/slow") { _ in ReceiverAnswer(status: 200, delay: .seconds(3)) }
            try await withWebhookParley { api in
                let slow = try await api.makeConversation()
                let fast = try await api.makeConversation()
                for (conversation, path) in [(slow, "/hook/slow"), (fast, "/hook/fast")] {
                    let created = try await api.post(
                        "/v1/Conversations/\(conversation)/Webhooks",
                        [("Target", "webhook"), ("Configuration.Url", receiver.url(path)), ("Configuration.Filters", "onMessageAdded")])
                    #expect(created.status == .created)
                }
                _ = try await api.postFiring("/v1/Conversations/\(slow)/Messages", [("Body", "to the slow one")])
                try await receiver.wait(for: 1, to: "/hook/slow")
                _ = try await api.postFiring("/v1/Conversations/\(fast)/Messages", [("Body", "to the fast one")])
                let fastOnes = try await receiver.wait(for: 1, to: "/hook/fast")
                #expect(fastOnes.first?["Body"] == "to the fast one")
                // The slow receiver timed out and is retried; it is never answered in time, so it ends up failed.
                try await waitUntil(within: 30) { try await api.get("/v1/Webhooks/Failures").records.count == 1 }
                #expect(try await api.get("/v1/Webhooks/Failures").records.first?["last_error"] as? String != nil)
            }
        }
    }

    @Test func pendingDeliveriesSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-webhook-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withWebhookReceiver { receiver in
            let up = Flag()
            receiver.answer("/hook/restart") { _ in up.isSet ? ReceiverAnswer() : ReceiverAnswer(status: 502) }
            let slowRetries = WebhookSettings(
                timeout: .milliseconds(1500), backoff: Backoff(base: 0.3, cap: 0.3, maxAttempts: 100), maximumConcurrent: 4, pollInterval: .milliseconds(200))
            // First run: the receiver is failing; the server stops while the delivery waits for a retry.
            try await withWebhookParley(directory: directory, settings: slowRetries) { api in
                _ = try await api.post("/v1/Configuration/Webhooks", [("PostWebhookUrl", receiver.url("/hook/restart")), ("Filters", "onMessageAdded")])
                let conversation = try await api.makeConversation()
                _ = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "survive")])
                try await receiver.wait(for: 1, to: "/hook/restart")
            }
            let token = try #require(receiver.requests(to: "/hook/restart").first?.headers["i-twilio-idempotency-token"])
            up.set()
            // Second run, a new worker on the same database file: the delivery goes out, with the same token.
            try await withWebhookParley(directory: directory, settings: slowRetries) { api in
                try await waitUntil { try await api.get("/v1/Webhooks/Failures", [("Status", "delivered")]).records.count == 1 }
            }
            let requests = receiver.requests(to: "/hook/restart")
            #expect(requests.last?["Body"] == "survive")
            #expect(requests.allSatisfy { $0.headers["i-twilio-idempotency-token"] == token })
        }
    }

    @Test func studioWebhooksAreStoredAndTheirFiringsFailClearly() async throws {
        try await withWebhookParley { api in
            let conversation = try await api.makeConversation()
            let flow = "FW" + String(repeating: "a", count: 32)
            let created = try await api.post(
                "/v1/Conversations/\(conversation)/Webhooks", [("Target", "studio"), ("Configuration.FlowSid", flow)])
            #expect(created.status == .created, "\(created.text)")
            #expect((created.json["configuration"] as? [String: Any])?["flow_sid"] as? String == flow)
            _ = try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "hi")])
            let failure = try #require(try await api.get("/v1/Webhooks/Failures").records.first)
            #expect((failure["last_error"] as? String)?.contains("Studio flows are not supported") == true)
        }
    }
}

/// Polls `condition` until it holds, failing the test after `seconds` (a wait for something asynchronous, not a timing assertion).
func waitUntil(within seconds: Double = 20, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("condition did not hold within \(seconds) s")
}

/// A thread-safe counter: `next()` returns 1, 2, 3, ...
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// A thread-safe flag.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
