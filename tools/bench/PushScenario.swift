import Foundation
import PushFakes

/// Where the `push` scenario's fake APNs listens; `parley serve` is started with `--apns-url`, `--apns-sandbox-url`
/// and `--push-ca-file` pointing at it (`pushServerArguments`).
let pushFakePort = 18_299

/// The `parley serve` arguments that send APNs pushes to the scenario's fake, trusting the test CA written to `directory`.
func pushServerArguments(directory: URL) throws -> [String] {
    let caFile = directory.appendingPathComponent("push-test-ca.pem")
    try TestTLSMaterial.caCertificatePEM.write(to: caFile, atomically: true, encoding: .utf8)
    let url = "https://127.0.0.1:\(pushFakePort)"
    return ["--apns-url", url, "--apns-sandbox-url", url, "--push-ca-file", caFile.path]
}

/// `push`: what push notifications cost, against the fake APNs (HTTP/2, TLS, JWT checked) on loopback. The time from a
/// message POST to the fake receiving its push, with 1 bound recipient and with `pushFanout` (1,000) of them; how many
/// pushes per second the outbox drains in the fan-out; and a message create's latency in a conversation of 100 bound
/// members, with the Service's new-message pushes enabled against disabled.
func pushScenario(client: LoadClient, sizes: Sizes, smoke: Bool, mintToken: @escaping @Sendable (String) async throws -> String) async throws
    -> [Measurement]
{
    let counts = smoke ? PushSizes.smoke : PushSizes()
    let key = TestSigningKey()
    let keyId = "BENCHKEY01", teamId = "BENCHTEAM1", topic = "com.example.parley"
    let configuration = FakeAPNsConfiguration(signingKeys: [keyId: key.publicKeyPEM], teamId: teamId, topic: topic)
    return try await FakeAPNsServer.serving(configuration, port: pushFakePort) { apns in
        let service = try await client.get("/v1/Configuration").json["default_chat_service_sid"] as? String ?? ""
        let secret = #"{"key_id":"\#(keyId)","team_id":"\#(teamId)","bundle_id":"\#(topic)"}"#
        let credential = try await client.post("/v1/Credentials", [("Type", "apn"), ("PrivateKey", key.privateKeyPEM), ("Secret", secret)])
        guard let credentialSid = credential.sid else { throw BenchError("credential create answered \(credential.status): \(credential.body.prefix(200))") }
        try await setNewMessagePushes(client, service: service, enabled: true)

        /// A conversation of `members` participants, each with one APNs binding (the author is not one: a conversation
        /// holds at most 1,000).
        func boundConversation(_ name: String, members: Int) async throws -> String {
            guard let conversation = try await client.post("/v1/Conversations", [("FriendlyName", name)]).sid else { throw BenchError("create failed") }
            _ = try await timedRuns(count: members, concurrency: 32) { index in
                let identity = "\(name)-member-\(index)"
                let added = try await client.post("/v1/Conversations/\(conversation)/Participants", [("Identity", identity)])
                guard added.status == 201 else { throw BenchError("participant answered \(added.status): \(added.body.prefix(200))") }
                let token = try await mintToken(identity)
                let bound = try await client.post(
                    "/client/v1/PushBindings?token=\(LoadClient.encode(token))",
                    [("BindingType", "apn"), ("Address", String(format: "%064x", index + 1)), ("CredentialSid", credentialSid)])
                guard bound.status == 201 else { throw BenchError("binding answered \(bound.status): \(bound.body.prefix(200))") }
            }
            return conversation
        }

        /// Posts `rounds` messages one after another, each waiting for its `pushes` to arrive; the latencies from each POST
        /// to each of its pushes' arrival, and the time from the first POST to the last push.
        func measure(_ conversation: String, author: String, rounds: Int, pushes: Int) async throws -> (latencies: [Double], seconds: Double) {
            var latencies: [Double] = []
            var busy = 0.0
            for round in 0..<rounds {
                apns.reset()
                let posted = ContinuousClock.now
                let created = try await client.post("/v1/Conversations/\(conversation)/Messages", [("Author", author), ("Body", "push bench \(round)")])
                guard created.status == 201 else { throw BenchError("message answered \(created.status): \(created.body.prefix(200))") }
                let arrived = try await apns.waitForDelivered(pushes, timeout: .seconds(120))
                guard arrived.count >= pushes else { throw BenchError("\(arrived.count) of \(pushes) pushes arrived within 120 s") }
                latencies += arrived.map { ($0.receivedAt - posted).seconds }
                busy += ((arrived.map(\.receivedAt).max() ?? posted) - posted).seconds
            }
            return (latencies, busy)
        }

        var rows: [Measurement] = []
        let single = try await boundConversation("push1", members: 1)
        let one = try await measure(single, author: "push1-author", rounds: counts.rounds, pushes: 1)
        rows.append(Measurement(scenario: "push", variant: "POST to APNs, 1 binding", count: one.latencies.count, seconds: one.seconds,
                                latencies: one.latencies, note: "sequential messages"))

        let fanout = try await boundConversation("pushN", members: counts.fanout)
        let many = try await measure(fanout, author: "pushN-author", rounds: counts.fanoutRounds, pushes: counts.fanout)
        rows.append(Measurement(scenario: "push", variant: "POST to APNs, \(counts.fanout) bindings", count: many.latencies.count,
                                seconds: many.seconds, latencies: many.latencies, note: "per s: pushes drained from the outbox"))

        // The added cost of a create: 100 bound members, pushes enabled against disabled (drained before each run).
        let hundred = try await boundConversation("push100", members: 100)
        let count = max(sizes.createPerCell / 10, 5)
        let create: @Sendable (Int) async throws -> Void = { index in
            let answer = try await client.post("/v1/Conversations/\(hundred)/Messages", [("Author", "push100-author"), ("Body", "cost \(index)")])
            guard answer.status == 201 else { throw BenchError("create answered \(answer.status)") }
        }
        try await setNewMessagePushes(client, service: service, enabled: false)
        let plain = try await timedRuns(count: count, concurrency: 1, create)
        rows.append(Measurement(scenario: "push", variant: "create, 100 bound, push off", count: plain.latencies.count, seconds: plain.seconds,
                                latencies: plain.latencies))
        try await setNewMessagePushes(client, service: service, enabled: true)
        // Each create alone: its 100 pushes are delivered before the next one, so this is what writing the outbox rows in
        // the create's transaction costs, without the worker's sending competing for the cores.
        var alone: [Double] = []
        for index in 0..<count {
            apns.reset()
            let began = ContinuousClock.now
            try await create(index)
            alone.append((ContinuousClock.now - began).seconds)
            _ = try await apns.waitForDelivered(100, timeout: .seconds(120))
        }
        rows.append(Measurement(scenario: "push", variant: "create, 100 bound, push on", count: alone.count, seconds: alone.reduce(0, +),
                                latencies: alone, note: "100 outbox rows per create; drained between creates"))
        apns.reset()
        let pushed = try await timedRuns(count: count, concurrency: 1, create)
        rows.append(Measurement(scenario: "push", variant: "create, 100 bound, push on, busy", count: pushed.latencies.count,
                                seconds: pushed.seconds, latencies: pushed.latencies, note: "back to back, while the worker sends"))
        _ = try await apns.waitForDelivered(count * 100, timeout: .seconds(120))
        return rows
    }
}

/// The `push` scenario's counts: messages to 1 binding, bindings of the fan-out, and messages to them.
struct PushSizes {
    var rounds = 200
    var fanout = 1000
    var fanoutRounds = 5

    static let smoke = PushSizes(rounds: 3, fanout: 5, fanoutRounds: 1)
}

/// Turns the Service's new-message pushes on (with a template) or off.
private func setNewMessagePushes(_ client: LoadClient, service: String, enabled: Bool) async throws {
    let answer = try await client.post(
        "/v1/Services/\(service)/Configuration/Notifications",
        [("NewMessage.Enabled", enabled ? "true" : "false"), ("NewMessage.Template", "${PARTICIPANT}: ${MESSAGE}")])
    guard answer.status == 200 else { throw BenchError("notifications configuration answered \(answer.status): \(answer.body.prefix(200))") }
}
