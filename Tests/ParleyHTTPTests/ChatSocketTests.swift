import Foundation
import Hummingbird
import Synchronization
import Testing

@Suite struct ChatSocketTests {
    @Test func withoutAValidTokenThereIsNoSocket() async throws {
        try await withLiveParley { api, _ in
            let plain = try await api.authenticated(as: nil).get("/client/v1/socket")
            #expect(plain.status == .unauthorized)
            #expect(plain.code == 20101)
            let bad = try await api.authenticated(as: nil).get("/client/v1/socket", [("token", "not.a.jwt")])
            #expect(bad.status == .unauthorized)
        }
    }

    @Test func adminChangesReachTheMembersAndOnlyThem() async throws {
        try await withLiveParley { api, sockets in
            let conversation = try await api.makeConversation("/v1", [("FriendlyName", "room")])
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            try await sockets.connect(as: "alice") { alice in
                let hello = try #require(try await alice.next())
                #expect(hello["type"] as? String == "connected")
                #expect(hello["identity"] as? String == "alice")
                let helloSeq = hello["latest_seq"] as? Int ?? 0
                try await sockets.connect(as: "mallory") { mallory in
                    _ = try await mallory.frames(until: "connected")
                    let posted = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Author", "system"), ("Body", "hello alice")])
                    let frame = try #require(try await alice.next())
                    #expect(frame["type"] as? String == "messageAdded")
                    #expect(frame["conversation_sid"] as? String == conversation)
                    let message = try #require(frame["message"] as? [String: Any])
                    #expect(message["sid"] as? String == posted["sid"])
                    #expect(message["body"] as? String == "hello alice")
                    #expect(message["index"] as? Int == 0)
                    #expect((frame["seq"] as? Int ?? 0) > helloSeq)
                    // Mallory is not in the conversation: nothing arrives for her.
                    await #expect(throws: SocketTimeout.self) { _ = try await mallory.next(within: 0.5) }
                }
                // Participant changes and leaving arrive too, in order.
                _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "bob")])
                let joined = try #require(try await alice.next())
                #expect(joined["type"] as? String == "participantJoined")
                #expect((joined["participant"] as? [String: Any])?["identity"] as? String == "bob")
                _ = try await api.delete("/v1/Conversations/\(conversation)/Participants/alice")
                let left = try #require(try await alice.next())
                #expect(left["type"] as? String == "participantLeft")
                let removed = try #require(try await alice.next())
                #expect(removed["type"] as? String == "conversationRemoved")
            }
        }
    }

    @Test func reconnectingWithTheLastSeqReplaysWhatWasMissedThenGoesLive() async throws {
        try await withLiveParley { api, sockets in
            let conversation = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            let seen = Mutex<Int>(0)
            try await sockets.connect(as: "alice") { alice in
                let hello = try #require(try await alice.next())
                seen.withLock { $0 = hello["latest_seq"] as? Int ?? 0 }
            }
            // While alice is away.
            for number in 0..<3 { _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "missed \(number)")]) }
            let since = seen.withLock { $0 }
            try await sockets.connect(as: "alice", query: "since=\(since)") { alice in
                let frames = try await alice.frames(until: "connected")
                let bodies = frames.compactMap { ($0["message"] as? [String: Any])?["body"] as? String }
                #expect(bodies == ["missed 0", "missed 1", "missed 2"])
                let seqs = frames.compactMap { $0["seq"] as? Int }
                #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
                #expect(frames.last?["latest_seq"] as? Int == seqs.last)
                _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "live")])
                let live = try #require(try await alice.next())
                #expect((live["message"] as? [String: Any])?["body"] as? String == "live")
                #expect((live["seq"] as? Int ?? 0) > (seqs.last ?? 0))
            }
        }
    }

    @Test func typingReachesTheOthersAndEndsByItself() async throws {
        try await withLiveParley { api, sockets in
            let conversation = try await api.makeConversation()
            for identity in ["alice", "bob"] { _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", identity)]) }
            try await sockets.connect(as: "bob") { bob in
                _ = try await bob.frames(until: "connected")
                try await sockets.connect(as: "alice") { alice in
                    _ = try await alice.frames(until: "connected")
                    try await alice.send(#"{"type":"typing","conversation_sid":"\#(conversation)"}"#)
                    let started = try #require(try await bob.next())
                    #expect(started["type"] as? String == "typingStarted")
                    #expect(started["identity"] as? String == "alice")
                    #expect(started["conversation_sid"] as? String == conversation)
                    let ended = try #require(try await bob.next(within: 3))
                    #expect(ended["type"] as? String == "typingEnded")
                    // The typist does not hear their own indicator.
                    await #expect(throws: SocketTimeout.self) { _ = try await alice.next(within: 0.3) }
                }
            }
        }
    }

    @Test func badFramesGetAnErrorFrameAndTheSocketStaysUp() async throws {
        try await withLiveParley { api, sockets in
            let mine = try await api.makeConversation()
            let theirs = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(mine)/Participants", [("Identity", "alice")])
            try await sockets.connect(as: "alice") { alice in
                _ = try await alice.frames(until: "connected")
                for garbage in ["not json", #"{"no":"type"}"#, #"{"type":"explode"}"#, #"{"type":"typing"}"#, "[]"] {
                    try await alice.send(garbage)
                    let error = try #require(try await alice.next())
                    #expect(error["type"] as? String == "error", "\(garbage)")
                    #expect(error["code"] as? Int == 20001, "\(garbage)")
                }
                try await alice.send(#"{"type":"typing","conversation_sid":"\#(theirs)"}"#)
                let notMine = try #require(try await alice.next())
                #expect(notMine["code"] as? Int == 20404)
                // Still connected: a real event still arrives.
                _ = try await api.post("/v1/Conversations/\(mine)/Messages", [("Body", "still here")])
                #expect(try await alice.next()?["type"] as? String == "messageAdded")
            }
        }
    }

    @Test func aTokenCanBeRenewedOnTheSocket() async throws {
        try await withLiveParley { api, sockets in
            let fresh = try await sockets.token("alice", ttl: 7200)
            let other = try await sockets.token("bob")
            try await sockets.connect(as: "alice") { alice in
                _ = try await alice.frames(until: "connected")
                try await alice.send(#"{"type":"updateToken","token":"\#(fresh)"}"#)
                #expect(try await alice.next()?["type"] as? String == "tokenUpdated")
                try await alice.send(#"{"type":"updateToken","token":"\#(other)"}"#)
                #expect(try await alice.next()?["type"] as? String == "error")
            }
        }
    }
}
