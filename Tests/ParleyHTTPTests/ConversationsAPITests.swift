import Foundation
import Hummingbird
import Testing

@Suite struct ConversationsAPITests {
    @Test func createFetchUpdateDeleteInTheDefaultService() async throws {
        try await withParley { api in
            let created = try await api.post(
                "/v1/Conversations", [("FriendlyName", "Support"), ("UniqueName", "support-1"), ("Attributes", #"{"tier":"gold"}"#)])
            #expect(created.status == .created)
            let sid = try #require(created["sid"])
            #expect(sid.hasPrefix("CH") && sid.count == 34)
            #expect(created["account_sid"] == TestCredentials.accountSid)
            #expect(created["friendly_name"] == "Support")
            #expect(created["attributes"] == #"{"tier":"gold"}"#)
            #expect(created["state"] == "active")
            #expect(created["url"] == "\(TestCredentials.publicURL)/v1/Conversations/\(sid)")
            let links = try #require(created.json["links"] as? [String: String])
            #expect(links["messages"] == "\(TestCredentials.publicURL)/v1/Conversations/\(sid)/Messages")
            #expect(created.json["messaging_service_sid"] is NSNull)

            let byName = try await api.get("/v1/Conversations/support-1")
            #expect(byName.status == .ok)
            #expect(byName["sid"] == sid)

            let updated = try await api.post("/v1/Conversations/\(sid)", [("FriendlyName", "Billing"), ("State", "inactive")])
            #expect(updated.status == .ok)
            #expect(updated["friendly_name"] == "Billing")
            #expect(updated["state"] == "inactive")
            #expect(updated["unique_name"] == "support-1")

            let deleted = try await api.delete("/v1/Conversations/\(sid)")
            #expect(deleted.status == .noContent)
            #expect(deleted.text.isEmpty)
            let gone = try await api.get("/v1/Conversations/\(sid)")
            #expect(gone.status == .notFound)
            #expect(gone.code == 20404)
        }
    }

    @Test func attributesDefaultToAnEmptyObjectStringAndDatesHaveNoFraction() async throws {
        try await withParley { api in
            let created = try await api.post("/v1/Conversations")
            #expect(created["attributes"] == "{}")
            let date = try #require(created["date_created"])
            #expect(date.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil)
            #expect(created.json["unique_name"] is NSNull)
            #expect(created.json["timers"] as? [String: Any] != nil)
        }
    }

    @Test func uniqueNamesAreUniquePerService() async throws {
        try await withParley { api in
            _ = try await api.makeConversation("/v1", [("UniqueName", "room")])
            let duplicate = try await api.post("/v1/Conversations", [("UniqueName", "room")])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.code == 50353)
            // The same unique name is free in another Service.
            let other = try await api.makeService()
            let elsewhere = try await api.post("/v1/Services/\(other)/Conversations", [("UniqueName", "room")])
            #expect(elsewhere.status == .created)
        }
    }

    @Test func listFiltersByStateAndPagesWithWorkingLinks() async throws {
        try await withParley { api in
            for index in 0..<5 {
                _ = try await api.makeConversation("/v1", [("FriendlyName", "c\(index)"), ("State", index % 2 == 0 ? "active" : "inactive")])
            }
            let active = try await api.get("/v1/Conversations", [("State", "active"), ("PageSize", "2")])
            #expect(active.status == .ok)
            #expect(active.records.map { $0["friendly_name"] as? String } == ["c0", "c2"])
            #expect(active.meta["key"] as? String == "conversations")
            #expect(active.meta["page_size"] as? Int == 2)
            let next = try #require(active.meta["next_page_url"] as? String)
            #expect(next.contains("State=active"))
            let second = try await api.follow(next)
            #expect(second.records.map { $0["friendly_name"] as? String } == ["c4"])
            #expect(second.meta["next_page_url"] is NSNull)
            #expect(second.meta["page"] as? Int == 1)
            let previous = try #require(second.meta["previous_page_url"] as? String)
            let back = try await api.follow(previous)
            #expect(back.records.map { $0["friendly_name"] as? String } == ["c0", "c2"])
        }
    }

    /// The helper libraries pass `StartDate`/`EndDate` through as given, often as a bare date: it means that whole day (UTC).
    @Test func listFiltersByCreationDateGivenAsADateOrADateTime() async throws {
        try await withParley { api in
            let created = ["2021-04-30T23:59:59Z", "2021-05-01T00:00:00Z", "2021-05-01T23:59:59Z", "2021-05-02T00:00:00Z"]
            for date in created {
                _ = try await api.makeConversation("/v1", [("FriendlyName", date), ("DateCreated", date)])
            }
            func names(_ query: [(String, String)]) async throws -> [String] {
                let page = try await api.get("/v1/Conversations", query)
                #expect(page.status == .ok, "\(query): \(page.text)")
                return page.records.compactMap { $0["friendly_name"] as? String }
            }
            #expect(try await names([("StartDate", "2021-05-01"), ("EndDate", "2021-05-01")]) == Array(created[1...2]))
            #expect(try await names([("StartDate", "2021-05-01")]) == Array(created[1...]))
            #expect(try await names([("EndDate", "2021-05-01")]) == Array(created[...2]))
            #expect(try await names([("StartDate", "2021-05-01T12:00:00Z"), ("EndDate", "2021-05-02T00:00:00Z")]) == Array(created[2...]))
            let paged = try await api.get("/v1/Conversations", [("StartDate", "2021-05-01"), ("PageSize", "1")])
            #expect(paged.records.map { $0["friendly_name"] as? String } == [created[1]])
            let next = try #require(paged.meta["next_page_url"] as? String)
            #expect(next.contains("StartDate=2021-05-01&"), "the filter is echoed as given")
            #expect(try await api.follow(next).records.map { $0["friendly_name"] as? String } == [created[2]])
            for bad in ["2021-13-01", "2021-05-32", "2021-5-1", "20210501", "2021-05-01T"] {
                let refused = try await api.get("/v1/Conversations", [("StartDate", bad)])
                #expect(refused.status == .badRequest, "\(bad)")
                #expect(refused.code == 20001, "\(bad)")
            }
        }
    }

    @Test func closedConversationsCannotBeChanged() async throws {
        try await withParley { api in
            let sid = try await api.makeConversation()
            #expect(try await api.post("/v1/Conversations/\(sid)", [("State", "closed")]).status == .ok)
            let refused = try await api.post("/v1/Conversations/\(sid)", [("FriendlyName", "again")])
            #expect(refused.status == .badRequest)
            #expect(refused.code == 50377)
            let message = try await api.post("/v1/Conversations/\(sid)/Messages", [("Body", "hi")])
            #expect(message.code == 50377)
        }
    }

    @Test func timersNeedAStateOnCreateAndReportWhenTheyFire() async throws {
        try await withParley { api in
            let refused = try await api.post("/v1/Conversations", [("Timers.Inactive", "PT5M")])
            #expect(refused.status == .badRequest)
            #expect(refused.code == 50382)
            let created = try await api.post("/v1/Conversations", [("State", "active"), ("Timers.Inactive", "PT5M"), ("Timers.Closed", "PT1H")])
            #expect(created.status == .created)
            let timers = try #require(created.json["timers"] as? [String: String])
            #expect(timers["date_inactive"] != nil && timers["date_closed"] != nil)
            let tooShort = try await api.post("/v1/Conversations", [("State", "active"), ("Timers.Closed", "PT1M")])
            #expect(tooShort.status == .badRequest)
        }
    }

    @Test func conversationWithParticipantsCreatesAllOrNothing() async throws {
        try await withParley { api in
            let created = try await api.post(
                "/v1/ConversationWithParticipants",
                [
                    ("FriendlyName", "group"), ("Participant", #"{"identity":"alice"}"#),
                    ("Participant", #"{"messaging_binding":{"address":"+15550001111","proxy_address":"+15550002222"}}"#),
                ])
            #expect(created.status == .created, "\(created.text)")
            let sid = try #require(created["sid"])
            let participants = try await api.get("/v1/Conversations/\(sid)/Participants")
            #expect(participants.records.count == 2)

            // The pair is taken now: a second request with it creates nothing at all.
            let before = try await api.get("/v1/Conversations").records.count
            let refused = try await api.post(
                "/v1/ConversationWithParticipants",
                [
                    ("FriendlyName", "again"), ("Participant", #"{"identity":"bob"}"#),
                    ("Participant", #"{"messaging_binding":{"address":"+15550001111","proxy_address":"+15550002222"}}"#),
                ])
            #expect(refused.status == .conflict)
            #expect(refused.code == 50425)
            #expect(try await api.get("/v1/Conversations").records.count == before)

            let invalid = try await api.post("/v1/ConversationWithParticipants", [("Participant", "not json")])
            #expect(invalid.code == 50424)
            let tooMany = try await api.post(
                "/v1/ConversationWithParticipants", (0..<11).map { ("Participant", #"{"identity":"u\#($0)"}"#) })
            #expect(tooMany.code == 50426)
        }
    }

    @Test func deletingAConversationDeletesItsParticipantsAndMessages() async throws {
        try await withParley { api in
            let sid = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(sid)/Participants", [("Identity", "alice")])
            _ = try await api.post("/v1/Conversations/\(sid)/Messages", [("Body", "hi")])
            #expect(try await api.delete("/v1/Conversations/\(sid)").status == .noContent)
            let remaining = try await api.parley.store.read { tx in
                try tx.participants(conversationSid: sid, page: .init(size: 10)).items.count
                    + tx.messages(conversationSid: sid, order: .ascending, page: .init(size: 10)).items.count
            }
            #expect(remaining == 0)
        }
    }
}
