import Foundation
import PostgresTestSupport
import Testing

/// On PostgreSQL an outbox worker leases the rows it reads (`FOR UPDATE SKIP LOCKED`, due again only after the lease):
/// every row it leases must be one it attempts now, or the row waits out the lease (5 minutes) for nothing.
@Suite(.enabled(if: PostgresCluster.unavailableReason == nil, "needs PostgreSQL (apt-get install postgresql)"))
struct OutboxLeaseTests {
    @Test func aBurstLargerThanTheWorkersConcurrencyIsDeliveredWithoutWaitingForTheLease() async throws {
        try await withWebhookReceiver { receiver in
            // A slow receiver keeps every attempt slot busy while more rows fall due (the workers run 8 at once).
            receiver.answer("/hook/burst") { _ in ReceiverAnswer(delay: .seconds(1)) }
            try await withTwoNodes(workers: true) { a, _ in
                try await a.api.sendMessageAddedWebhooks(to: receiver.url("/hook/burst"))
                // One message in each of 24 conversations: no row waits behind another of its conversation.
                var conversations: [String] = []
                for _ in 0..<24 { conversations.append(try await a.api.makeConversation()) }
                for (number, conversation) in conversations.enumerated() {
                    #expect(try await a.api.postFiring("/v1/Conversations/\(conversation)/Messages", [("Body", "b\(number)")]).status == .created)
                }
                let received = try await receiver.wait(for: conversations.count, to: "/hook/burst", within: 30)
                #expect(Set(received.compactMap { $0["Body"] }) == Set((0..<conversations.count).map { "b\($0)" }))
            }
        }
    }
}
