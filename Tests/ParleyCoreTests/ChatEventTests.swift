import PostgresTestSupport
import Testing
@testable import ParleyCore

@Suite struct ChatEventTests {
    private func addParticipant(_ parley: Parley, _ principal: Principal, _ conversation: String, _ identity: String) async throws {
        var changes = ParticipantService.Changes()
        changes.identity = identity
        _ = try await parley.participants.create(principal, .defaultService, conversation: conversation, changes)
    }

    private func post(_ parley: Parley, _ principal: Principal, _ conversation: String, _ body: String) async throws -> Message {
        var changes = MessageService.Changes()
        changes.body = body
        return try await parley.messages.create(principal, .defaultService, conversation: conversation, changes)
    }

    /// A Parley on a clock the test moves, with one conversation that alice belongs to.
    private func conversationWithAlice() async throws -> (Parley, Principal, Conversation, TestClock) {
        let clock = TestClock(Timestamp(secondsSince1970: 1_800_000_000))
        let store = try await TestEngine.migratedStore(sqlitePath: nil)
        let parley = Parley(store: store, now: { clock.now })
        let account = try await parley.accounts.bootstrap().account
        let principal = Principal(accountSid: account.sid, credentialSid: account.sid)
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        try await addParticipant(parley, principal, conversation.sid, "alice")
        return (parley, principal, conversation, clock)
    }

    @Test func changesAreRecordedForEachChatMemberInOrder() async throws {
        let (parley, principal) = try await makeParley()
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        try await addParticipant(parley, principal, conversation.sid, "alice")
        try await addParticipant(parley, principal, conversation.sid, "bob")
        let message = try await post(parley, principal, conversation.sid, "hi")

        let replay = try await parley.eventLog.replay(serviceSid: conversation.serviceSid, identity: "alice", after: 0)
        guard case .events(let events) = replay else { Issue.record("expected events"); return }
        #expect(events.map(\.type) == [.participantJoined, .conversationAdded, .participantJoined, .messageAdded])
        #expect(events.map(\.seq) == events.map(\.seq).sorted())
        #expect(events.last?.resource == .message(message))

        guard case .events(let bobs) = try await parley.eventLog.replay(serviceSid: conversation.serviceSid, identity: "bob", after: 0) else {
            Issue.record("expected events"); return
        }
        #expect(bobs.map(\.type) == [.participantJoined, .conversationAdded, .messageAdded])
        // Resuming from the middle gives only what came after.
        guard case .events(let tail) = try await parley.eventLog.replay(
            serviceSid: conversation.serviceSid, identity: "alice", after: events[2].seq)
        else { Issue.record("expected events"); return }
        #expect(tail.map(\.type) == [.messageAdded])
    }

    @Test func aChangeIsOneRowHoweverManyMembersSeeIt() async throws {
        let (parley, principal) = try await makeParley()
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        for number in 0..<20 { try await addParticipant(parley, principal, conversation.sid, "member-\(number)") }
        let rowsBefore = try await parley.store.read { tx in try tx.value(Int.self, tx.statement("SELECT count(*) FROM user_events")) ?? 0 }
        _ = try await post(parley, principal, conversation.sid, "to everyone")
        let rowsAfter = try await parley.store.read { tx in try tx.value(Int.self, tx.statement("SELECT count(*) FROM user_events")) ?? 0 }
        #expect(rowsAfter - rowsBefore == 1)
        for identity in ["member-0", "member-19"] {
            guard case .events(let events) = try await parley.eventLog.replay(serviceSid: conversation.serviceSid, identity: identity, after: 0)
            else { Issue.record("expected events"); return }
            #expect(events.last?.type == .messageAdded)
        }
    }

    @Test func membersReplayOnlyWhileTheyBelong() async throws {
        let (parley, principal) = try await makeParley()
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        try await addParticipant(parley, principal, conversation.sid, "alice")
        _ = try await post(parley, principal, conversation.sid, "before carol")
        try await addParticipant(parley, principal, conversation.sid, "carol")
        _ = try await post(parley, principal, conversation.sid, "with carol")
        try await parley.participants.delete(principal, .defaultService, conversation: conversation.sid, sidOrIdentity: "carol")
        _ = try await post(parley, principal, conversation.sid, "after carol")

        func replay(_ identity: String) async throws -> [ChatEvent] {
            guard case .events(let events) = try await parley.eventLog.replay(serviceSid: conversation.serviceSid, identity: identity, after: 0)
            else { return [] }
            return events
        }
        func bodies(_ events: [ChatEvent]) -> [String?] {
            events.compactMap { if case .message(let message) = $0.resource { message.body } else { nil } }
        }
        // Having left, carol resumes to what was addressed to her: she joined, she left, the conversation is gone from her
        // view. Nothing of the conversation after she left reaches her (nor, as she drops it, what came before).
        let carol = try await replay("carol")
        #expect(carol.map(\.type) == [.conversationAdded, .participantLeft, .conversationRemoved])
        #expect(bodies(carol).isEmpty)
        let alice = try await replay("alice")
        #expect(bodies(alice) == ["before carol", "with carol", "after carol"])
        #expect(alice.filter { $0.type == .participantLeft }.count == 1)
        // Carol rejoining sees what comes next, not what she missed nor what came before she joined again.
        try await addParticipant(parley, principal, conversation.sid, "carol")
        _ = try await post(parley, principal, conversation.sid, "welcome back")
        let rejoined = try await replay("carol")
        #expect(bodies(rejoined) == ["welcome back"])
        #expect(rejoined.suffix(3).map(\.type) == [.participantJoined, .conversationAdded, .messageAdded])
    }

    @Test func sequenceNumbersNeverGoBackEvenWhenPruningEmptiesTheLog() async throws {
        let (parley, principal, conversation, clock) = try await conversationWithAlice()
        _ = try await post(parley, principal, conversation.sid, "old")
        let latest = try await parley.eventLog.latestSeq()
        clock.advance(by: 7200)
        #expect(try await parley.eventLog.prune(retention: 3600) > 0)
        #expect(try await parley.eventLog.latestSeq() == latest)
        _ = try await post(parley, principal, conversation.sid, "new")
        guard case .events(let events) = try await parley.eventLog.replay(serviceSid: conversation.serviceSid, identity: "alice", after: latest)
        else { Issue.record("a client at the latest seq must not be told to resync"); return }
        #expect(events.map(\.type) == [.messageAdded])
        #expect(events.first.map { $0.seq > latest } == true)
    }

    /// On a shared store the hub is fed by `EventTail`, a service of the running server (see the live socket tests).
    @Test(.enabled(if: TestEngine.current == .sqlite, "on PostgreSQL events go live through EventTail"))
    func liveSubscribersGetCommittedEventsOnly() async throws {
        let (parley, principal) = try await makeParley()
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        try await addParticipant(parley, principal, conversation.sid, "alice")
        let subscription = parley.hub.subscribe(serviceSid: conversation.serviceSid, identity: "alice")
        // A refused change (closed conversation) publishes nothing; the next committed one does.
        var changes = MessageService.Changes()
        changes.body = String(repeating: "x", count: Limits.messageBody + 1)
        await #expect(throws: ParleyError.self) { try await parley.messages.create(principal, .defaultService, conversation: conversation.sid, changes) }
        let message = try await post(parley, principal, conversation.sid, "hello")
        var iterator = subscription.stream.makeAsyncIterator()
        let delivery = await iterator.next()
        guard case .event(let event) = delivery else { Issue.record("expected an event"); return }
        #expect(event.type == .messageAdded)
        #expect(event.resource == .message(message))
        parley.hub.unsubscribe(subscription)
        #expect(parley.hub.connectionCount == 0)
    }

    @Test func aSlowSubscriberIsCutOffInsteadOfGrowing() async throws {
        let hub = EventHub(bufferSize: 2)
        let slow = hub.subscribe(serviceSid: "IS1", identity: "alice")
        let event = ChatEvent(
            seq: 1, serviceSid: "IS1", identity: "alice", type: .userUpdated, conversationSid: nil,
            resource: .user(User(sid: "US1", serviceSid: "IS1", identity: "alice", friendlyName: nil, attributes: "{}", roleSid: nil,
                                 dateCreated: .now, dateUpdated: .now)),
            dateCreated: .now)
        hub.publish([event, event, event])
        #expect(slow.overflowed)
        #expect(hub.connectionCount == 0)
    }

    @Test func prunedEventsMakeAResumingClientResync() async throws {
        let (parley, principal, conversation, clock) = try await conversationWithAlice()
        clock.advance(by: 7200)
        _ = try await post(parley, principal, conversation.sid, "recent")
        #expect(try await parley.eventLog.prune(retention: 3600) == 2)
        let replay = try await parley.eventLog.replay(serviceSid: conversation.serviceSid, identity: "alice", after: 0)
        guard case .resyncRequired(let latest) = replay else { Issue.record("expected resync"); return }
        guard case .events(let recent) = try await parley.eventLog.replay(serviceSid: conversation.serviceSid, identity: "alice", after: latest - 1)
        else { Issue.record("expected events"); return }
        #expect(recent.map(\.type) == [.messageAdded])
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Timestamp>
    init(_ start: Timestamp) { current = Mutex(start) }
    var now: Timestamp { current.withLock { $0 } }
    func advance(by seconds: Int64) { current.withLock { $0 = $0.adding(seconds: seconds) } }
}

import Synchronization
