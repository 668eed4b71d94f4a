import Foundation
import ParleyCore
import Synchronization

/// The `inbound` scenario's data, made in-process before the server starts: `pairs` conversations, each with two SMS
/// participants (so `2 * pairs` bindings). Returns each conversation's first (address, proxy address) pair.
func prepareBindings(_ parley: Parley, accountSid: String, pairs: Int) async throws -> [(from: String, to: String)] {
    let principal = Principal(accountSid: accountSid, credentialSid: accountSid)
    func number(_ prefix: Int, _ index: Int) -> String { "+1\(prefix)" + String(format: "%07d", index) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func launch() {
            let index = next
            next += 1
            group.addTask {
                let participants = [(number(555, index), number(666, index)), (number(777, index), number(888, index))].map { address, proxy in
                    #"{"messaging_binding":{"address":"\#(address)","proxy_address":"\#(proxy)"}}"#
                }
                _ = try await parley.conversations.createWithParticipants(
                    principal, .defaultService, ConversationService.Changes(), participants: participants)
            }
        }
        for _ in 0..<min(64, pairs) { launch() }
        while try await group.next() != nil {
            if next < pairs { launch() }
        }
    }
    return (0..<pairs).map { (number(555, $0), number(666, $0)) }
}

/// `inbound`: Twilio-style incoming-message webhooks (Basic auth) to random bound pairs: the binding lookup, the
/// message insert and one outbox row each. Then how fast the server's channel worker (sandbox transport, which
/// records each delivery in SQLite) drains the outbox those messages filled, measured from the first request.
func inboundScenario(client: LoadClient, store: Store, pairs: [(from: String, to: String)], requests: Int, accountSid: String)
    async throws -> [Measurement]
{
    let started = ContinuousClock.now
    let run = try await timedRuns(count: requests, concurrency: 64) { index in
        let pair = pairs[Int.random(in: 0..<pairs.count)]
        let sid = "SM" + String(format: "%032x", index)
        let answer = try await client.post(
            "/inbound/messaging",
            [("AccountSid", accountSid), ("MessageSid", sid), ("From", pair.from), ("To", pair.to), ("Body", "inbound \(index)"), ("NumMedia", "0")])
        guard answer.status == 200 else { throw BenchError("inbound answered \(answer.status): \(answer.body)") }
    }
    // The outbox: every inbound message queued one delivery to the conversation's other participant.
    var counts = try await store.read { tx in try tx.channelDeliveryCounts() }
    while counts.pending > 0, ContinuousClock.now - started < .seconds(120) {
        try await Task.sleep(for: .milliseconds(20))
        counts = try await store.read { tx in try tx.channelDeliveryCounts() }
    }
    let drained = (ContinuousClock.now - started).seconds
    return [
        Measurement(scenario: "inbound", variant: "\(pairs.count * 2) bindings, c=64", count: run.latencies.count, seconds: run.seconds, latencies: run.latencies),
        Measurement(
            scenario: "outbound", variant: "sandbox transport", count: counts.sent, seconds: drained, latencies: [],
            note: counts.pending > 0 ? "\(counts.pending) still pending after 120 s" : "from the first inbound request until the outbox was empty"),
    ]
}
