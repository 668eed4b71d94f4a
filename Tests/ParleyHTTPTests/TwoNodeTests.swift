import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyCore
import ParleyHTTP
import PostgresTestSupport
import ServiceLifecycle
import Testing

/// Two Parley nodes on one PostgreSQL database, each serving on a real socket with its own connections, hub and
/// workers, as two processes behind a load balancer would: what one node is told, the other serves.
@Suite(.enabled(if: PostgresCluster.unavailableReason == nil, "needs PostgreSQL (apt-get install postgresql)"))
struct TwoNodeTests {
    @Test func aMessagePostedOnOneNodeReachesASocketOnTheOther() async throws {
        try await withTwoNodes { a, b in
            let conversation = try await a.api.makeConversation()
            for identity in ["alice", "bob"] { _ = try await a.api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", identity)]) }
            try await b.sockets.connect(as: "bob") { bob in
                _ = try await bob.frames(until: "connected")
                let posted = try await a.api.post("/v1/Conversations/\(conversation)/Messages", [("Author", "alice"), ("Body", "across")])
                #expect(posted.status == .created)
                let frame = try #require(try await bob.next())
                #expect(frame["type"] as? String == "messageAdded")
                let message = try #require(frame["message"] as? [String: Any])
                #expect(message["sid"] as? String == posted["sid"])
                #expect(message["body"] as? String == "across")
            }
        }
    }

    @Test func aParticipantAddedOnOneNodeIsVisibleOnTheOtherAtOnce() async throws {
        try await withTwoNodes { a, b in
            let conversation = try await a.api.makeConversation()
            let added = try await a.api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "carol")])
            #expect(added.status == .created)
            let fetched = try await b.api.get("/v1/Conversations/\(conversation)/Participants/carol")
            #expect(fetched.status == .ok)
            #expect(fetched["sid"] == added["sid"])
        }
    }

    @Test func concurrentPostsThroughBothNodesGetContiguousIndices() async throws {
        try await withTwoNodes { a, b in
            let conversation = try await a.api.makeConversation()
            let perNode = 15
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for number in 0..<perNode {
                    for (node, api) in [("a", a.api), ("b", b.api)] {
                        group.addTask {
                            try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "\(node)\(number)")]).status
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .created })
            let page = try await b.api.get("/v1/Conversations/\(conversation)/Messages", [("PageSize", "100")])
            let messages = try #require(page.json["messages"] as? [[String: Any]])
            #expect(messages.compactMap { $0["index"] as? Int } == Array(0..<(2 * perNode)))
            #expect(Set(messages.compactMap { $0["body"] as? String }).count == 2 * perNode)
        }
    }

    @Test func typingOnOneNodeIsHeardOnTheOther() async throws {
        try await withTwoNodes { a, b in
            let conversation = try await a.api.makeConversation()
            for identity in ["alice", "bob"] { _ = try await a.api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", identity)]) }
            try await b.sockets.connect(as: "bob") { bob in
                _ = try await bob.frames(until: "connected")
                try await a.sockets.connect(as: "alice") { alice in
                    _ = try await alice.frames(until: "connected")
                    try await alice.send(#"{"type":"typing","conversation_sid":"\#(conversation)"}"#)
                    let started = try #require(try await bob.next())
                    #expect(started["type"] as? String == "typingStarted")
                    #expect(started["identity"] as? String == "alice")
                    await #expect(throws: SocketTimeout.self) { _ = try await alice.next(within: 0.3) }
                }
            }
        }
    }

    @Test func eachTimerFiresOnceWhenBothNodesRunTheirTimerPasses() async throws {
        let clock = TestClock()
        try await withTwoNodes(clock: clock) { a, b in
            let count = 30
            var conversations: [String] = []
            for _ in 0..<count { conversations.append(try await a.api.makeConversation("/v1", [("State", "active"), ("Timers.Inactive", "PT1M")])) }
            clock.advance(seconds: 61)
            async let firedOnA = a.api.parley.timers.expire(batch: 50)
            async let firedOnB = b.api.parley.timers.expire(batch: 50)
            let (onA, onB) = try await (firedOnA, firedOnB)
            #expect(onA + onB == count, "every due conversation moved once, by one node or the other (A \(onA), B \(onB))")
            for conversation in conversations.prefix(3) {
                #expect(try await b.api.get("/v1/Conversations/\(conversation)")["state"] == "inactive")
            }
        }
    }

    @Test func aNodeWithoutTheSharedMediaFolderSaysSo() async throws {
        try await withTwoNodes(sharedMedia: false) { a, b in
            let service = try await a.api.defaultServiceSid()
            let uploaded = try await a.api.upload(service, [1, 2, 3], contentType: "image/png", filename: "x.png")
            let sid = try #require(uploaded["sid"])
            let path = "/v1/Services/\(service)/Media/\(sid)/Content"
            #expect(try await a.api.download(path).bytes == [1, 2, 3])
            // Node B has the record (one database) but not the file (its own folder): a clear 503, not a 404 or a 500.
            #expect(try await b.api.get("/v1/Services/\(service)/Media/\(sid)").status == .ok)
            let missing = try await b.api.get(path)
            #expect(missing.status == .serviceUnavailable)
            #expect(missing.json["code"] as? Int == 20503)
            #expect((missing["message"] ?? "").contains("media folder"))
        }
    }

    @Test func webhookWorkersOnBothNodesSendEachRowOnceAndInOrder() async throws {
        try await withWebhookReceiver { receiver in
            // A slow receiver keeps each row pending across several polls of the other node's worker.
            receiver.answer("/hook/nodes") { _ in ReceiverAnswer(delay: .milliseconds(400)) }
            try await withTwoNodes(workers: true) { a, b in
                try await a.api.sendMessageAddedWebhooks(to: receiver.url("/hook/nodes"))
                let conversation = try await a.api.makeConversation()
                let count = 6
                for number in 0..<count {
                    let api = number.isMultiple(of: 2) ? a.api : b.api
                    #expect(try await api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "m\(number)")]).status == .created)
                }
                let received = try await receiver.wait(for: count, to: "/hook/nodes")
                // Give a second node's worker the time it would need to send a row again.
                try await Task.sleep(for: .milliseconds(600))
                let all = receiver.requests(to: "/hook/nodes")
                #expect(all.count == count, "each row sent once, whichever node's worker took it")
                #expect(received.compactMap { $0["Body"] } == (0..<count).map { "m\($0)" }, "one conversation's webhooks arrive in order")
            }
        }
    }
}

/// One node of a pair: its client API and its chat sockets.
struct Node: Sendable {
    let api: TestAPI
    let sockets: LiveSockets
}

/// The fast test settings with a patient timeout: on a loaded machine a slow answer must not be retried, so that a
/// row sent twice can only mean two workers took it.
let twoNodeWebhookSettings = {
    var settings = fastWebhookSettings
    settings.timeout = .seconds(10)
    return settings
}()

/// Runs `body` with two nodes on one fresh PostgreSQL database (in the tests' shared cluster), sharing a media folder
/// (unless not `sharedMedia`); `workers`: each runs a webhook worker too.
func withTwoNodes(workers: Bool = false, sharedMedia: Bool = true, clock: TestClock? = nil, _ body: @Sendable (Node, Node) async throws -> Void) async throws {
    let location = try PostgresLocation(url: try await TestEngine.freshPostgresDatabase())
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-nodes-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    var nodes = 0
    var logger = Logger(label: "parley-two-nodes")
    logger.logLevel = .warning
    func node() async throws -> (Parley, some ApplicationProtocol) {
        nodes += 1
        let media = folder.appendingPathComponent(sharedMedia ? "media" : "media-\(nodes)")
        let parley = Parley(
            store: Store.connect(to: location, connections: 8), typingTimeout: .milliseconds(300), mediaDirectory: media,
            webhookSettings: twoNodeWebhookSettings, outbound: loopbackAllowed, now: { clock?.now ?? .now })
        _ = try await parley.accounts.bootstrap(sid: TestCredentials.accountSid, authToken: TestCredentials.authToken)
        let services: [any Service] = workers ? [WebhookWorker(webhooks: parley.webhooks, logger: logger)] : []
        return (parley, buildApplication(parley: parley, settings: ServerSettings(port: 0, publicURL: TestCredentials.publicURL), services: services, logger: logger))
    }
    let (parleyA, appA) = try await node()
    let (parleyB, appB) = try await node()
    try await appA.test(.live) { clientA in
        try await appB.test(.live) { clientB in
            try await body(
                Node(api: TestAPI(client: clientA, parley: parleyA), sockets: LiveSockets(client: clientA, parley: parleyA)),
                Node(api: TestAPI(client: clientB, parley: parleyB), sockets: LiveSockets(client: clientB, parley: parleyB)))
        }
    }
}
