import Foundation
import ParleyCore

/// `ceiling`: what bounds `create` on this machine, measured the same way. Over HTTP with the same load generator at
/// c=64: `GET /healthz` (no authentication, no database) and an authenticated read of one conversation. In-process,
/// without HTTP: message creates through the service layer and group commit at c=64, on a database of its own with
/// the server's durability.
func ceilingScenario(client: LoadClient, directory: URL, durability: Store.Durability, sizes: Sizes) async throws -> [Measurement] {
    var rows: [Measurement] = []
    let count = sizes.createPerCell * 2
    let health = try await timedRuns(count: count, concurrency: 64) { _ in
        let answer = try await client.get("/healthz")
        guard answer.status == 200 else { throw BenchError("healthz answered \(answer.status)") }
    }
    rows.append(Measurement(scenario: "ceiling", variant: "GET /healthz, c=64", count: health.latencies.count, seconds: health.seconds, latencies: health.latencies))
    guard let conversation = try await client.post("/v1/Conversations", [("FriendlyName", "ceiling")]).sid else { throw BenchError("create failed") }
    let read = try await timedRuns(count: count, concurrency: 64) { _ in
        let answer = try await client.get("/v1/Conversations/\(conversation)")
        guard answer.status == 200 else { throw BenchError("fetch answered \(answer.status)") }
    }
    rows.append(
        Measurement(scenario: "ceiling", variant: "GET a conversation, c=64", count: read.latencies.count, seconds: read.seconds, latencies: read.latencies))

    let (_, parley, principal, target) = try await inProcessParley(directory.appendingPathComponent("ceiling.db").path, durability: durability)
    let creates = try await timedRuns(count: count, concurrency: 64) { index in
        var changes = MessageService.Changes()
        changes.body = "bench message \(index)"
        _ = try await parley.messages.create(principal, .defaultService, conversation: target.sid, changes)
    }
    rows.append(
        Measurement(
            scenario: "ceiling", variant: "create in-process, c=64", count: creates.latencies.count, seconds: creates.seconds,
            latencies: creates.latencies, note: "service layer + group commit, no HTTP"))
    return rows
}
