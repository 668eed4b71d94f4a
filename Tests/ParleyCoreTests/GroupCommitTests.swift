import GRDB
import PostgresTestSupport
import Testing
@testable import ParleyCore

/// Group commit is the SQLite engine's (PostgreSQL groups its own WAL flushes); the suite runs in the SQLite pass.
@Suite(.enabled(if: TestEngine.current == .sqlite, "group commit is SQLite's")) struct GroupCommitTests {
    struct Refused: Error {}

    @Test func aFailingWriteRollsBackAloneWhileItsNeighboursCommit() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let (parley, principal) = try await makeParley(path: database.path)
        let store = parley.store
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for number in 0..<300 {
                group.addTask {
                    do {
                        try await store.write { tx in
                            try tx.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER PRIMARY KEY)")
                            try tx.execute("INSERT INTO probe (n) VALUES (?)", [number])
                            if number % 3 == 0 { throw Refused() }
                        }
                        return (number, true)
                    } catch {
                        return (number, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 300)
        #expect(outcomes.allSatisfy { $0.value == ($0.key % 3 != 0) })
        let stored = try await store.read { tx in try tx.values(Int.self, tx.statement("SELECT n FROM probe ORDER BY n")) }
        #expect(stored == (0..<300).filter { $0 % 3 != 0 })
        _ = principal
    }

    @Test func eventsOfARolledBackRequestAreNeverPublished() async throws {
        let (parley, principal) = try await makeParley()
        var first = ConversationService.Changes()
        first.friendlyName = "holds the pair"
        let holder = try await parley.conversations.create(principal, .defaultService, first)
        var pair = ParticipantService.Changes()
        pair.address = "+15550001111"
        pair.proxyAddress = "+15550002222"
        _ = try await parley.participants.create(principal, .defaultService, conversation: holder.sid, pair)

        let subscription = parley.hub.subscribe(serviceSid: holder.serviceSid, identity: "alice")
        defer { parley.hub.unsubscribe(subscription) }
        // Alice is added first, then the taken pair refuses the whole request.
        await #expect(throws: ParleyError.self) {
            try await parley.conversations.createWithParticipants(
                principal, .defaultService, .init(),
                participants: [#"{"identity":"alice"}"#, #"{"messaging_binding":{"address":"+15550001111","proxy_address":"+15550002222"}}"#])
        }
        // The next thing alice hears about is a real one.
        var join = ParticipantService.Changes()
        join.identity = "alice"
        _ = try await parley.participants.create(principal, .defaultService, conversation: holder.sid, join)
        var iterator = subscription.stream.makeAsyncIterator()
        guard case .event(let event)? = await iterator.next() else { Issue.record("expected an event"); return }
        #expect(event.conversationSid == holder.sid)
        #expect(event.type == .participantJoined)
    }
}
