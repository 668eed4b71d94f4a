import Foundation
import Hummingbird
import ParleyCore
import Testing

/// Conversation timers: active -> inactive -> closed on an injected clock; closing releases the bindings.
@Suite struct ChannelTimerTests {
    @Test func timersMoveConversationsAndClosingReleasesTheBinding() async throws {
        let clock = TestClock(Timestamp(iso8601: "2026-12-01T10:00:00Z")!)
        try await withChannelParley(clock: clock) { api in
            _ = try await api.post("/v1/Configuration/Addresses", [("Type", "sms"), ("Address", "+15552220600"), ("AutoCreation.Enabled", "true")])
            let conversation = try await api.makeConversation(
                "/v1", [("State", "active"), ("Timers.Inactive", "PT1M"), ("Timers.Closed", "PT10M")])
            _ = try await api.addMessagingParticipant(conversation, address: "+15551110600", proxy: "+15552220600")
            let timers = try #require(try await api.get("/v1/Conversations/\(conversation)").json["timers"] as? [String: Any])
            #expect(timers["date_inactive"] as? String == "2026-12-01T10:01:00Z")
            #expect(timers["date_closed"] as? String == "2026-12-01T10:10:00Z")

            #expect(try await api.parley.timers.expire() == 0)
            clock.advance(seconds: 61)
            #expect(try await api.parley.timers.expire() == 1)
            #expect(try await api.get("/v1/Conversations/\(conversation)")["state"] == "inactive")

            // Still bound while inactive: an inbound message lands here and reactivates it.
            #expect(try await api.inbound(TestAPI.incoming(from: "+15551110600", to: "+15552220600", body: "still there?")).status == .ok)
            #expect(try await api.get("/v1/Conversations/\(conversation)")["state"] == "active")
            #expect(try await api.get("/v1/Conversations").records.count == 1)

            clock.advance(seconds: 11 * 60)
            #expect(try await api.parley.timers.expire() >= 1)
            #expect(try await api.get("/v1/Conversations/\(conversation)")["state"] == "closed")

            // Closed released the pair: the same sender now autocreates a new conversation.
            #expect(try await api.inbound(TestAPI.incoming(from: "+15551110600", to: "+15552220600", body: "hello again")).status == .ok)
            let all = try await api.get("/v1/Conversations").records
            #expect(all.count == 2)
            #expect(all.last?["state"] as? String == "active")
        }
    }
}
