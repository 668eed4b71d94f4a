import Foundation
import Hummingbird
import Logging
import Synchronization

/// `webhooks`: what webhooks cost. The added latency of a message create whose pre-event `onMessageAdd` webhook goes to
/// a local receiver (answering 200 at once), against the same create without webhooks; and post-event `onMessageAdded`
/// deliveries per second from the outbox to a local receiver, from the first create to the last delivery received.
func webhookScenario(client: LoadClient, sizes: Sizes) async throws -> [Measurement] {
    let received = Mutex(0)
    let router = Router()
    router.post("hook/:name") { request, _ -> Response in
        _ = try await request.body.collect(upTo: 1 << 20)
        received.withLock { $0 += 1 }
        return Response(status: .ok)
    }
    var logger = Logger(label: "bench-receiver")
    logger.logLevel = .critical  // its cancellation at the end is expected
    let receiverPort = 18_199
    let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: receiverPort)), logger: logger)
    let enabled = [("X-Twilio-Webhook-Enabled", "true")]
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await receiver.runService(gracefulShutdownSignals: []) }
        defer { group.cancelAll() }
        try await Task.sleep(for: .milliseconds(300))
        let service = try await client.get("/v1/Configuration").json["default_chat_service_sid"] as? String ?? ""
        guard let conversation = try await client.post("/v1/Conversations", [("FriendlyName", "webhook bench")]).sid else {
            throw BenchError("create failed")
        }
        let count = max(sizes.createPerCell / 3, 10)
        let create: @Sendable (Int) async throws -> Void = { index in
            let answer = try await client.send(
                .POST, "/v1/Conversations/\(conversation)/Messages", form: [("Body", "hook bench \(index)")], headers: enabled)
            guard answer.status == 201 else { throw BenchError("create answered \(answer.status): \(answer.body.prefix(200))") }
        }
        var rows: [Measurement] = []
        let plain = try await timedRuns(count: count, concurrency: 1, create)
        rows.append(Measurement(scenario: "webhooks", variant: "create, no webhook, c=1", count: plain.latencies.count, seconds: plain.seconds,
                                latencies: plain.latencies))
        _ = try await client.post(
            "/v1/Services/\(service)/Configuration/Webhooks",
            [("PreWebhookUrl", "http://127.0.0.1:\(receiverPort)/hook/pre"), ("Filters", "onMessageAdd")])
        let hooked = try await timedRuns(count: count, concurrency: 1, create)
        rows.append(Measurement(scenario: "webhooks", variant: "create, pre-event hook, c=1", count: hooked.latencies.count,
                                seconds: hooked.seconds, latencies: hooked.latencies, note: "pre-event call to a local receiver"))

        _ = try await client.post(
            "/v1/Services/\(service)/Configuration/Webhooks",
            [("PreWebhookUrl", ""), ("PostWebhookUrl", "http://127.0.0.1:\(receiverPort)/hook/post"), ("Filters", "onMessageAdded")])
        var conversations: [String] = []
        for _ in 0..<100 {
            guard let sid = try await client.post("/v1/Conversations", [("FriendlyName", "webhook fan")]).sid else { throw BenchError("create failed") }
            conversations.append(sid)
        }
        let before = received.withLock { $0 }
        let deliveries = sizes.createPerCell
        let clock = ContinuousClock()
        let start = clock.now
        let targets = conversations
        _ = try await timedRuns(count: deliveries, concurrency: 64) { index in
            let answer = try await client.send(
                .POST, "/v1/Conversations/\(targets[index % targets.count])/Messages", form: [("Body", "post \(index)")], headers: enabled)
            guard answer.status == 201 else { throw BenchError("create answered \(answer.status)") }
        }
        let created = (clock.now - start).seconds
        let deadline = clock.now + .seconds(120)
        while received.withLock({ $0 }) - before < deliveries && clock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let delivered = received.withLock { $0 } - before
        rows.append(Measurement(scenario: "webhooks", variant: "post-event deliveries, 100 conv", count: delivered,
                                seconds: (clock.now - start).seconds, latencies: [],
                                note: String(format: "creates at c=64 took %.2f s of it", created)))
        return rows
    }
}
