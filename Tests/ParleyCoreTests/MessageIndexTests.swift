import Testing
@testable import ParleyCore

@Suite struct MessageIndexTests {
    @Test func concurrentPostsGetDistinctContiguousIndicesFromZero() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let (parley, principal) = try await makeParley(path: database.path)
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        let indices = try await withThrowingTaskGroup(of: Int64.self) { group in
            for number in 0..<200 {
                group.addTask {
                    var changes = MessageService.Changes()
                    changes.body = "message \(number)"
                    return try await parley.messages.create(principal, .defaultService, conversation: conversation.sid, changes).index
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(indices.sorted() == Array(0..<200))
    }

    @Test func deletedIndicesAreNeverReused() async throws {
        let (parley, principal) = try await makeParley()
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        var changes = MessageService.Changes()
        changes.body = "hello"
        let first = try await parley.messages.create(principal, .defaultService, conversation: conversation.sid, changes)
        let second = try await parley.messages.create(principal, .defaultService, conversation: conversation.sid, changes)
        try await parley.messages.delete(principal, .defaultService, conversation: conversation.sid, sid: second.sid)
        let third = try await parley.messages.create(principal, .defaultService, conversation: conversation.sid, changes)
        #expect([first.index, second.index, third.index] == [0, 1, 2])
    }

    @Test func keysetPagesWalkTheWholeConversationBothWays() async throws {
        let (parley, principal) = try await makeParley()
        let conversation = try await parley.conversations.create(principal, .defaultService, .init())
        var changes = MessageService.Changes()
        changes.body = "x"
        for _ in 0..<23 { _ = try await parley.messages.create(principal, .defaultService, conversation: conversation.sid, changes) }
        for order in [SortOrder.ascending, .descending] {
            var seen: [Int64] = []
            var request = PageRequest(size: 5)
            var pages: [Page<Message>] = []
            while true {
                let page = try await parley.messages.list(principal, .defaultService, conversation: conversation.sid, order: order, page: request)
                pages.append(page)
                seen += page.items.map(\.index)
                guard let next = page.next else { break }
                request.cursor = next
            }
            let expected = Array(Int64(0)..<23)
            #expect(seen == (order == .ascending ? expected : expected.reversed()))
            #expect(pages.first?.previous == nil)
            // Walking back from the last page gives the same pages in reverse.
            var back: [Int64] = []
            var cursor = pages.last?.previous
            while let previous = cursor {
                let page = try await parley.messages.list(
                    principal, .defaultService, conversation: conversation.sid, order: order, page: PageRequest(size: 5, cursor: previous))
                back = page.items.map(\.index) + back
                cursor = page.previous
            }
            #expect(back + (pages.last?.items.map(\.index) ?? []) == seen)
        }
    }
}
