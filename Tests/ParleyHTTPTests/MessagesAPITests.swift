import Foundation
import Hummingbird
import Testing

@Suite struct MessagesAPITests {
    @Test func createFetchUpdateDelete() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            let path = "/v1/Conversations/\(conversation)/Messages"
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            let first = try await api.post(path, [("Author", "alice"), ("Body", "hello"), ("Attributes", #"{"a":1}"#)])
            #expect(first.status == .created)
            #expect(first.json["index"] as? Int == 0)
            #expect(first["author"] == "alice")
            #expect(first["participant_sid"]?.hasPrefix("MB") == true)
            #expect(first.json["date_updated"] is NSNull)
            let system = try await api.post(path, [("Body", "from the system")])
            #expect(system["author"] == "system")
            #expect(system.json["participant_sid"] is NSNull)
            #expect(system.json["index"] as? Int == 1)

            let sid = try #require(first["sid"])
            #expect(try await api.get("\(path)/\(sid)")["body"] == "hello")
            let edited = try await api.post("\(path)/\(sid)", [("Body", "hello, edited")])
            #expect(edited["body"] == "hello, edited")
            #expect(edited["date_updated"] != nil)
            #expect(try await api.delete("\(path)/\(sid)").status == .noContent)
            #expect(try await api.get("\(path)/\(sid)").code == 20404)
            #expect(try await api.post(path, [("Body", "after delete")]).json["index"] as? Int == 2)
        }
    }

    @Test func pagingAscendingAndDescendingFollowsNextAndPreviousLinks() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            let path = "/v1/Conversations/\(conversation)/Messages"
            for number in 0..<120 { _ = try await api.post(path, [("Body", "m\(number)")]) }

            var indices: [Int] = []
            var page = try await api.get(path)
            #expect(page.records.count == 50)
            #expect(page.meta["previous_page_url"] is NSNull)
            while true {
                indices += page.records.compactMap { $0["index"] as? Int }
                guard let next = page.meta["next_page_url"] as? String else { break }
                page = try await api.follow(next)
            }
            #expect(indices == Array(0..<120))
            #expect(page.meta["page"] as? Int == 2)

            let newest = try await api.get(path, [("Order", "desc"), ("PageSize", "40")])
            #expect(newest.records.first?["index"] as? Int == 119)
            let next = try #require(newest.meta["next_page_url"] as? String)
            #expect(next.contains("Order=desc"))
            let older = try await api.follow(next)
            #expect(older.records.first?["index"] as? Int == 79)
            let previous = try #require(older.meta["previous_page_url"] as? String)
            #expect(try await api.follow(previous).records.first?["index"] as? Int == 119)
        }
    }

    @Test func aMessageNeedsABodyAndValidAttributes() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            let path = "/v1/Conversations/\(conversation)/Messages"
            #expect(try await api.post(path, [("Author", "alice")]).status == .badRequest)
            #expect(try await api.post(path, [("Body", "x"), ("Attributes", "{nope")]).status == .badRequest)
            #expect(try await api.post(path, [("Body", "x"), ("MediaSid", "ME00000000000000000000000000000000")]).status == .badRequest)
            #expect(try await api.get(path).records.isEmpty)
        }
    }
}
