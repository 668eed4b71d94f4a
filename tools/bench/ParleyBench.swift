import ArgumentParser
import Foundation
import ParleyCore
import Synchronization

/// `parley-bench`: starts `parley serve` on a temporary database (a SQLite file, or with `--postgres` a private
/// PostgreSQL cluster and one or two nodes on it) and measures it over loopback.
/// Prints one table (or `--json`); every run is bounded in count and time.
@main
struct ParleyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-bench",
        abstract: "Measure Parley: raw SQLite limit, REST creates, paging, WebSocket fan-out, mixed load, resources.")

    @Option(help: "The parley binary to start (build it with the same configuration).") var binary = ".build/release/parley"
    @Option(help: "Comma-separated scenarios: raw, create, ceiling, page, inbound, connect, fanout, twilsock, mixed, webhooks, media, push.")
    var scenarios = "raw,create,ceiling,page,inbound,connect,fanout,twilsock,mixed,webhooks,media,push"
    @Option(help: "Server durability: full or normal (SQLite only).") var durability = "full"
    @Option(help: "Port for the server under test (node A; node B listens on the next one).") var port = 18_099
    @Flag(help: "Run on PostgreSQL: a private cluster in a temporary folder, started and removed by the bench (raw and ceiling, SQLite's own limits, are skipped).")
    var postgres = false
    @Option(help: "With --postgres: how many nodes share the database (2: creates and mixed spread over both, page reads from B, fan-out sockets on B).")
    var nodes = 1
    @Flag(help: "Tiny counts: proves every scenario runs (CI), figures meaningless.") var smoke = false
    @Option(help: "Comma-separated fan-out client counts (default 1,100,1000).") var fanoutClients: String?
    @Option(help: "Messages per fan-out client count (default 100).") var fanoutRounds: Int?
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        guard nodes >= 1 else { throw ValidationError("--nodes is at least 1") }
        guard nodes == 1 || postgres else { throw ValidationError("--nodes \(nodes) needs --postgres: nodes share a PostgreSQL database") }
    }

    func run() async throws {
        var sizes = smoke ? Sizes.smoke : Sizes()
        if let fanoutRounds { sizes.fanoutRounds = fanoutRounds }
        if let fanoutClients { sizes.fanoutClients = fanoutClients.split(separator: ",").compactMap { Int($0) } }
        let chosen = Set(scenarios.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        guard let storeDurability = Store.Durability(rawValue: durability) else { throw ValidationError("--durability is full or normal") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cleanup = InterruptCleanup()
        cleanup.install()
        _ = cleanup.add { try? FileManager.default.removeItem(at: directory) }

        var rows: [Measurement] = []
        var figures: [Figure] = []
        if chosen.contains("raw") {
            if postgres {
                rows.append(.skipped("raw", because: "SQLite only: the SQLite file's own limit"))
            } else {
                let (raw, size) = try await rawScenario(directory: directory, durability: storeDurability, sizes: sizes)
                rows += raw
                figures.append(size)
            }
        }

        // The server's database, prepared in-process: account, API key, and the large conversation for `page`.
        let database =
            postgres
            ? try await BenchDatabase.postgres(directory: directory, nodes: nodes, cleanup: cleanup)
            : try await BenchDatabase.sqlite(directory: directory, durability: storeDurability)
        do {
            try await measure(
                database, chosen: chosen, sizes: sizes, durability: storeDurability, directory: directory, cleanup: cleanup, rows: &rows,
                figures: &figures)
        } catch {
            await database.close()
            throw error
        }
        await database.close()

        var ratios: [Figure] = []
        if let raw = rows.first(where: { $0.scenario == "raw" && $0.variant == "1 row per txn" }), raw.throughput > 0 {
            for variant in ["1 conv, c=64", "100 conv, c=64"] {
                if let create = rows.first(where: { $0.scenario == "create" && $0.variant == variant }) {
                    ratios.append(Figure(name: "ratio create(\(variant)) / raw(1 row per txn)", value: create.throughput / raw.throughput, unit: "x"))
                }
            }
        }
        print(
            json
                ? Report.json(rows, figures: figures, ratios: ratios, engine: database.label)
                : Report.table(rows, figures: figures, ratios: ratios, engine: database.label))
    }

    /// Prepares `database`, starts the nodes on it, runs the chosen server scenarios and stops the nodes again.
    private func measure(
        _ database: BenchDatabase, chosen: Set<String>, sizes: Sizes, durability: Store.Durability, directory: URL, cleanup: InterruptCleanup,
        rows: inout [Measurement], figures: inout [Figure]
    ) async throws {
        let credentials = ("AC" + String(repeating: "b", count: 32), "bench-token")
        let store = database.store
        let parley = Parley(store: store)
        let account = try await parley.accounts.bootstrap(sid: credentials.0, authToken: credentials.1).account
        let apiKey = try await parley.accounts.createAPIKey(accountSid: account.sid, friendlyName: "bench")
        var largeConversation: String?
        if chosen.contains("page") {
            largeConversation = try await fillConversation(parley, account: account, messages: sizes.pageDepth)
        }
        let bindingPairs = chosen.contains("inbound") ? try await prepareBindings(parley, accountSid: account.sid, pairs: sizes.bindingPairs) : []

        let nodes = try await BenchNodes.start(
            count: self.nodes, binary: binary, port: port, databaseArguments: database.serverArguments, credentials: credentials,
            extraArguments: try pushServerArguments(directory: directory), cleanup: cleanup)
        for (node, server) in nodes.servers.enumerated() {
            figures.append(Figure(name: nodes.figureName("cold start to first answered request", node: node), value: nodes.coldStarts[node].seconds * 1000, unit: "ms"))
            figures.append(Figure(name: nodes.figureName("server RSS idle", node: node), value: server.residentBytes / 1_048_576, unit: "MiB"))
        }
        let peakRSS = Mutex(nodes.servers.map(\.residentBytes))
        let sample: @Sendable () -> Void = {
            let now = nodes.servers.map(\.residentBytes)
            peakRSS.withLock { peaks in peaks = zip(peaks, now).map { max($0, $1) } }
        }

        let client = nodes.first
        do {
            if chosen.contains("create") { rows += try await createScenario(nodes: nodes, sizes: sizes, sampleRSS: sample) }
            if chosen.contains("ceiling") {
                rows += postgres
                    ? [.skipped("ceiling", because: "SQLite only: what bounds create on the SQLite file")]
                    : try await ceilingScenario(client: client, directory: directory, durability: durability, sizes: sizes)
            }
            if let largeConversation {
                rows += try await pageScenario(client: nodes.last, conversation: largeConversation, total: sizes.pageDepth, sizes: sizes)
            }
            if chosen.contains("inbound") {
                rows += try await inboundScenario(
                    client: client, store: store, pairs: bindingPairs, requests: sizes.inboundRequests, accountSid: account.sid)
            }
            let mintToken: @Sendable (String) async throws -> String = { try await parley.accessTokens.mintAccessToken(apiKey: apiKey, identity: $0) }
            if chosen.contains("connect") { rows += try await connectScenario(port: port, samples: sizes.connectSamples, mintToken: mintToken) }
            for kind in BenchSocket.Kind.allCases where chosen.contains(kind.scenario) {
                let socketServer = nodes.servers[nodes.count - 1]
                let (fanout, fanoutFigures) = try await fanoutScenario(
                    kind: kind, client: client, socketPort: nodes.lastPort, sizes: sizes, mintToken: mintToken,
                    residentBytes: { socketServer.residentBytes }, route: nodes.count > 1 ? "sockets on node B, POSTs to node A" : nil)
                rows += fanout
                figures += nodes.figures(fanoutFigures, of: nodes.count - 1)
                sample()
            }
            if chosen.contains("mixed") { rows += try await mixedScenario(nodes: nodes, sizes: sizes); sample() }
            if chosen.contains("webhooks") { rows += try await webhookScenario(client: client, sizes: sizes) }
            if chosen.contains("push") { rows += try await pushScenario(client: client, sizes: sizes, smoke: smoke, mintToken: mintToken) }
            if chosen.contains("media"), let serviceSid = account.configuration.defaultChatServiceSid {
                let server = nodes.servers[0]
                let (media, mediaFigures) = try await mediaScenario(
                    client: client, serviceSid: serviceSid, sizes: sizes, residentBytes: { server.residentBytes })
                rows += media
                figures += nodes.figures(mediaFigures, of: 0)
            }
        } catch {
            await nodes.stop()
            throw error
        }
        await nodes.stop()
        for (node, peak) in peakRSS.withLock({ $0 }).enumerated() {
            figures.append(Figure(name: nodes.figureName("server RSS peak under load", node: node), value: peak / 1_048_576, unit: "MiB"))
        }
    }

    /// A conversation with `messages` short messages, written through the store in batches.
    private func fillConversation(_ parley: Parley, account: Account, messages: Int) async throws -> String {
        let principal = Principal(accountSid: account.sid, credentialSid: account.sid)
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        var written = 0
        while written < messages {
            let batch = min(1000, messages - written)
            try await parley.store.write { tx in
                for _ in 0..<batch {
                    let now = Timestamp.now
                    let index = try tx.takeNextMessageIndex(conversationSid: conversation.sid, touchedAt: now)
                    try tx.insert(
                        Message(
                            sid: SID.make(.message, now: now), serviceSid: conversation.serviceSid, conversationSid: conversation.sid,
                            index: index, author: "system", body: "history \(index)", subject: nil, attributes: "{}", participantSid: nil,
                            media: nil, contentSid: nil, dateCreated: now, dateUpdated: nil))
                }
            }
            written += batch
        }
        return conversation.sid
    }
}
