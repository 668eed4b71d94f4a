import Foundation
import HummingbirdWSClient
import Logging
import ParleyCore
import Synchronization

/// The counts a run uses: full figures, or a smoke run that only proves every scenario still works.
struct Sizes: Sendable {
    var rawSingle = 2000
    var rawBatched = 20000
    var createPerCell = 3000
    var pageDepth = 200_000
    var pageSamples = 300
    var fanoutClients = [1, 100, 1000]
    var fanoutRounds = 100
    /// Sockets opened one after another for `connect`, of each kind.
    var connectSamples = 200
    var mixedSeconds = 10.0
    /// Conversations with two SMS participants each (twice as many bindings), and inbound webhooks sent to them.
    var bindingPairs = 50_000
    var inboundRequests = 20_000

    /// Media file sizes in bytes and how many of each to upload and download.
    var mediaFiles: [(bytes: Int, count: Int)] = [(1_000_000, 40), (50_000_000, 4)]

    static let smoke = Sizes(
        rawSingle: 50, rawBatched: 200, createPerCell: 40, pageDepth: 500, pageSamples: 10, fanoutClients: [1, 5], fanoutRounds: 2, connectSamples: 5,
        mixedSeconds: 0.5, bindingPairs: 50, inboundRequests: 50, mediaFiles: [(64_000, 3), (256_000, 2)])
}

/// `raw`: the physical limit. The same message rows the API writes, straight through the store with the
/// server's durability, one per transaction (sequential, so no group commit) and 100 per transaction.
func rawScenario(directory: URL, durability: Store.Durability, sizes: Sizes) async throws -> ([Measurement], Figure) {
    let (store, _, _, conversation) = try await inProcessParley(directory.appendingPathComponent("raw.db").path, durability: durability)
    let body = String(repeating: "m", count: 100)

    let insert: @Sendable (Int, StoreTransaction) throws -> Void = { count, tx in
        for _ in 0..<count {
            let now = Timestamp.now
            let index = try tx.takeNextMessageIndex(conversationSid: conversation.sid, touchedAt: now)
            try tx.insert(
                Message(
                    sid: SID.make(.message, now: now), serviceSid: conversation.serviceSid, conversationSid: conversation.sid, index: index,
                    author: "system", body: body, subject: nil, attributes: "{}", participantSid: nil, media: nil, contentSid: nil,
                    dateCreated: now, dateUpdated: nil))
        }
    }

    let single = try await timedRuns(count: sizes.rawSingle, concurrency: 1) { _ in try await store.write { tx in try insert(1, tx) } }
    let sizeBefore = try await store.databaseBytes()
    let batches = sizes.rawBatched / 100
    let batched = try await timedRuns(count: batches, concurrency: 1) { _ in try await store.write { tx in try insert(100, tx) } }
    let bytesPerMessage = Double(try await store.databaseBytes() - sizeBefore) / Double(batches * 100)
    return (
        [
            Measurement(scenario: "raw", variant: "1 row per txn", count: single.latencies.count, seconds: single.seconds, latencies: single.latencies),
            Measurement(
                scenario: "raw", variant: "100 rows per txn", count: batched.latencies.count * 100, seconds: batched.seconds, latencies: [],
                note: "txn p50 \(String(format: "%.2f", (Measurement(scenario: "", variant: "", count: 0, seconds: 0, latencies: batched.latencies).percentile(50) ?? 0) * 1000)) ms"),
        ],
        Figure(name: "database bytes per 100-byte message", value: bytesPerMessage, unit: "B")
    )
}

/// A Parley in this process on a database of its own, with the server's durability, and one empty conversation.
func inProcessParley(_ path: String, durability: Store.Durability) async throws -> (Store, Parley, Principal, Conversation) {
    let store = try Store.open(path: path, durability: durability)
    try await SchemaMigrator().migrate(store)
    let parley = Parley(store: store)
    let account = try await parley.accounts.bootstrap().account
    let principal = Principal(accountSid: account.sid, credentialSid: account.sid)
    return (store, parley, principal, try await parley.conversations.create(principal, .defaultService, .init()))
}

/// `create`: REST message creates into 1 and into 100 conversations at several concurrencies. With several nodes the
/// creates go round robin, request by request, and each conversation gets creates through every node.
func createScenario(nodes: BenchNodes, sizes: Sizes, concurrencies: [Int] = [1, 16, 64, 256], sampleRSS: @escaping @Sendable () -> Void)
    async throws -> [Measurement]
{
    var rows: [Measurement] = []
    for conversationCount in [1, 100] {
        var conversations: [String] = []
        for _ in 0..<conversationCount {
            guard let sid = try await nodes.first.post("/v1/Conversations", [("FriendlyName", "bench")]).sid else { throw BenchError("create failed") }
            conversations.append(sid)
        }
        for concurrency in concurrencies {
            let count = concurrency == 1 ? max(sizes.createPerCell / 3, 10) : sizes.createPerCell
            let targets = conversations
            let run = try await timedRuns(count: count, concurrency: concurrency) { index in
                let conversation = targets[(index / nodes.count) % targets.count]
                let answer = try await nodes.client(for: index).post("/v1/Conversations/\(conversation)/Messages", [("Body", "bench message \(index)")])
                guard answer.status == 201 else { throw BenchError("create answered \(answer.status): \(answer.body.prefix(200))") }
                if index % 500 == 0 { sampleRSS() }
            }
            rows.append(
                Measurement(
                    scenario: "create", variant: "\(conversationCount) conv, c=\(concurrency)", count: run.latencies.count, seconds: run.seconds,
                    latencies: run.latencies))
        }
    }
    return rows
}

/// `page`: pages of 50, newest first, at several depths of one large conversation (keyset `PageToken`).
func pageScenario(client: LoadClient, conversation: String, total: Int, sizes: Sizes) async throws -> [Measurement] {
    var rows: [Measurement] = []
    for depth in [0, total / 2, total] {
        let skip = min(depth, total - 50)
        let token = "PA" + String(total - skip, radix: 16)
        let path = "/v1/Conversations/\(conversation)/Messages?Order=desc&PageSize=50&PageToken=\(token)"
        let first = try await client.get(path)
        let records = (first.json["messages"] as? [[String: Any]]) ?? []
        guard first.status == 200, records.count == 50 else { throw BenchError("page at depth \(depth): \(first.status), \(records.count) records") }
        let run = try await timedRuns(count: sizes.pageSamples, concurrency: 1) { _ in _ = try await client.get(path) }
        rows.append(
            Measurement(
                scenario: "page", variant: "depth \(depth) of \(total)", count: run.latencies.count, seconds: run.seconds, latencies: run.latencies,
                note: "first index \(records.first?["index"] as? Int ?? -1)"))
    }
    return rows
}

/// `fanout` (Parley's `/client/v1/socket`) and `twilsock` (`/v3/wsconnect`, as Twilio's JavaScript SDK connects): from
/// a message POST through `client` to its arrival on every one of N clients of that kind connected to `socketPort`. With
/// two nodes the sockets are on node B and the POSTs go to node A (`route` says so in the note): the cross-node latency.
func fanoutScenario(
    kind: BenchSocket.Kind, client: LoadClient, socketPort: Int, sizes: Sizes, mintToken: @escaping @Sendable (String) async throws -> String,
    residentBytes: @escaping @Sendable () -> Double, route: String? = nil
) async throws
    -> ([Measurement], [Figure])
{
    var rows: [Measurement] = []
    var figures: [Figure] = []
    for clients in sizes.fanoutClients {
        guard let conversation = try await client.post("/v1/Conversations", [("FriendlyName", "\(kind.scenario) \(clients)")]).sid else {
            throw BenchError("create failed")
        }
        let identities = (0..<clients).map { "\(kind.scenario)-\(clients)-\($0)" }
        _ = try await timedRuns(count: clients, concurrency: 32) { index in
            _ = try await client.post("/v1/Conversations/\(conversation)/Participants", [("Identity", identities[index])])
        }
        var tokens: [String] = []
        for identity in identities { tokens.append(try await mintToken(identity)) }
        let recorder = FanoutRecorder(clients: clients)
        let before = residentBytes()
        let rounds = sizes.fanoutRounds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for token in tokens {
                group.addTask {
                    let socket = BenchSocket(kind: kind, port: socketPort, token: token)
                    try await socket.listen(conversation: conversation) { event in
                        switch event {
                        case .ready: recorder.connected()
                        case .message(let frame):
                            guard let round = FanoutRecorder.round(in: frame) else { return false }
                            recorder.arrived(round: round)
                            return round == rounds - 1
                        }
                        return false
                    }
                }
            }
            group.addTask {
                try await recorder.waitUntilAllConnected()
                let connectedRSS = residentBytes()
                recorder.setIdleBytesPerConnection((connectedRSS - before) / Double(clients))
                for round in 0..<rounds {
                    recorder.sent(round: round)
                    let answer = try await client.post("/v1/Conversations/\(conversation)/Messages", [("Body", "fanout-round-\(round)")])
                    guard answer.status == 201 else { throw BenchError("fanout post answered \(answer.status)") }
                    recorder.answered(round: round)
                    try await recorder.waitForRound(round)
                }
            }
            try await group.waitForAll()
        }
        let latencies = recorder.latencies
        rows.append(
            Measurement(
                scenario: kind.scenario, variant: "N=\(clients)", count: latencies.count, seconds: latencies.reduce(0, +), latencies: latencies,
                note: (route.map { "\($0); " } ?? "") + "\(rounds) messages, POST to arrival; first arrival p50 \(String(format: "%.1f", recorder.firstArrivalP50 * 1000)) ms, POST answered p50 \(String(format: "%.1f", recorder.answerP50 * 1000)) ms"))
        if clients == sizes.fanoutClients.max() {
            figures.append(Figure(name: "server RSS per idle \(kind.name) (N=\(clients))", value: recorder.idleBytesPerConnection / 1024, unit: "KiB"))
        }
    }
    return (rows, figures)
}

/// Arrival times of fan-out messages, by round.
final class FanoutRecorder: Sendable {
    private struct State {
        var connected = 0
        var sentAt: [Int: ContinuousClock.Instant] = [:]
        var arrivals: [Int: Int] = [:]
        var latencies: [Double] = []
        var answerLatencies: [Double] = []
        var firstArrivals: [Double] = []
        var idleBytesPerConnection = 0.0
    }
    private let state = Mutex(State())
    let clients: Int

    init(clients: Int) { self.clients = clients }

    /// The round number after `fanout-round-` in a frame, found with a byte search (Foundation's `range(of:)` was a
    /// tenth of the load generator's time with a thousand clients).
    static func round(in bytes: [UInt8]) -> Int? {
        let marker = Array("fanout-round-".utf8)
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start] == marker[0] && Array(bytes[start..<start + marker.count]) == marker {
            var value = 0
            var position = start + marker.count
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                position += 1
            }
            return position > start + marker.count ? value : nil
        }
        return nil
    }

    func connected() { state.withLock { $0.connected += 1 } }
    func sent(round: Int) { state.withLock { $0.sentAt[round] = .now } }
    func answered(round: Int) {
        let now = ContinuousClock.now
        state.withLock { state in if let sent = state.sentAt[round] { state.answerLatencies.append((now - sent).seconds) } }
    }
    /// The median time from a fan-out POST to its answer: the write, before any delivery.
    var answerP50: Double { state.withLock { $0.answerLatencies.sorted()[$0.answerLatencies.count / 2] } }
    /// The median time from a fan-out POST to the first client's receipt of it.
    var firstArrivalP50: Double { state.withLock { $0.firstArrivals.sorted()[$0.firstArrivals.count / 2] } }
    func arrived(round: Int) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.arrivals[round, default: 0] += 1
            if let sent = state.sentAt[round] {
                state.latencies.append((now - sent).seconds)
                if state.arrivals[round] == 1 { state.firstArrivals.append((now - sent).seconds) }
            }
        }
    }
    func setIdleBytesPerConnection(_ value: Double) { state.withLock { $0.idleBytesPerConnection = value } }
    var idleBytesPerConnection: Double { state.withLock { $0.idleBytesPerConnection } }
    var latencies: [Double] { state.withLock { $0.latencies } }

    func waitUntilAllConnected() async throws {
        for _ in 0..<6000 {
            if state.withLock({ $0.connected }) >= clients { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchError("only \(state.withLock { $0.connected }) of \(clients) sockets connected")
    }

    func waitForRound(_ round: Int) async throws {
        for _ in 0..<3000 {
            if state.withLock({ $0.arrivals[round] ?? 0 }) >= clients { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw BenchError("round \(round) reached \(state.withLock { $0.arrivals[round] ?? 0 }) of \(clients) sockets")
    }
}

/// `mixed`: 90% reads (a page of messages, a conversation) and 10% writes at concurrency 64 for a fixed time. With several
/// nodes the requests go round robin, shifted by one every ten requests so that the writes alternate between nodes too.
func mixedScenario(nodes: BenchNodes, sizes: Sizes) async throws -> [Measurement] {
    let client = nodes.first
    var conversations: [String] = []
    for _ in 0..<20 {
        guard let sid = try await client.post("/v1/Conversations", [("FriendlyName", "mixed")]).sid else { throw BenchError("create failed") }
        _ = try await client.post("/v1/Conversations/\(sid)/Messages", [("Body", "seed")])
        conversations.append(sid)
    }
    let targets = conversations
    let reads = Mutex<[Double]>([])
    let writes = Mutex<[Double]>([])
    let run = try await timedRuns(count: Int.max / 2, concurrency: 64, deadline: .milliseconds(Int(sizes.mixedSeconds * 1000))) { index in
        let conversation = targets[index % targets.count]
        let client = nodes.client(for: index + index / 10)
        let began = ContinuousClock.now
        if index % 10 == 0 {
            _ = try await client.post("/v1/Conversations/\(conversation)/Messages", [("Body", "mixed \(index)")])
            writes.withLock { $0.append((ContinuousClock.now - began).seconds) }
        } else {
            _ = try await client.get(index % 2 == 0 ? "/v1/Conversations/\(conversation)/Messages?Order=desc&PageSize=50" : "/v1/Conversations/\(conversation)")
            reads.withLock { $0.append((ContinuousClock.now - began).seconds) }
        }
    }
    let readLatencies = reads.withLock { $0 }
    let writeLatencies = writes.withLock { $0 }
    return [
        Measurement(scenario: "mixed", variant: "all, c=64", count: run.latencies.count, seconds: run.seconds, latencies: run.latencies),
        Measurement(scenario: "mixed", variant: "reads (90%)", count: readLatencies.count, seconds: run.seconds, latencies: readLatencies),
        Measurement(scenario: "mixed", variant: "writes (10%)", count: writeLatencies.count, seconds: run.seconds, latencies: writeLatencies),
    ]
}
