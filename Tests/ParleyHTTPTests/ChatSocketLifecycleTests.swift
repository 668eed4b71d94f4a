import Foundation
import ParleyCore
import Testing

/// A connection's life beyond single events: several devices, a token that runs out, a client that fell too far
/// behind, a frame too big to read.
struct ChatSocketLifecycleTests {
    @Test func everyConnectionOfAUserGetsEveryEvent() async throws {
        try await withLiveParley { api, sockets in
            let conversation = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            try await sockets.connect(as: "alice") { phone in
                try await sockets.connect(as: "alice") { laptop in
                    _ = try await phone.frames(until: "connected")
                    _ = try await laptop.frames(until: "connected")
                    _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "to both")])
                    for device in [phone, laptop] {
                        let event = try #require(try await device.next())
                        #expect(event["type"] as? String == "messageAdded")
                        #expect((event["message"] as? [String: Any])?["body"] as? String == "to both")
                    }
                }
            }
        }
    }

    @Test func aTokenExpiringMidConnectionIsWarnedThenClosed() async throws {
        try await withLiveParley { _, sockets in
            let shortLived = try await sockets.token("alice", ttl: 2)
            try await sockets.connect(token: shortLived) { alice in
                let frames = try await alice.frames(until: "tokenExpired", within: 10)
                let types = frames.compactMap { $0["type"] as? String }
                #expect(types == ["connected", "tokenAboutToExpire", "tokenExpired"])
                #expect(try await alice.next() == nil, "the server closes the socket once the token has expired")
            }
            // Nothing else broke: a fresh connection works.
            try await sockets.connect(as: "alice") { alice in
                let hello = try await alice.next()
                #expect(hello?["type"] as? String == "connected")
            }
        }
    }

    @Test func aClientBehindTheRetentionWindowIsToldToResync() async throws {
        try await withLiveParley { api, sockets in
            let conversation = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            for number in 0..<3 { _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "old \(number)")]) }
            // Retention in the future's favour: everything recorded so far is pruned.
            #expect(try await sockets.parley.eventLog.prune(retention: -60) > 0)
            try await sockets.connect(as: "alice", query: "since=1") { alice in
                let frames = try await alice.frames(until: "connected")
                let types = frames.compactMap { $0["type"] as? String }
                #expect(types == ["resyncRequired", "connected"])
                let latest = try #require(frames.first?["latest_seq"] as? Int)
                #expect(frames.last?["latest_seq"] as? Int == latest)
                // From the resync point on, the live stream continues.
                _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "new")])
                let live = try #require(try await alice.next())
                #expect((live["seq"] as? Int ?? 0) > latest)
            }
        }
    }

    @Test func anOversizedFrameClosesOnlyThatSocket() async throws {
        try await withLiveParley { api, sockets in
            let conversation = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "bob")])
            try await sockets.connect(as: "bob") { bob in
                _ = try await bob.frames(until: "connected")
                try await sockets.connect(as: "mallory") { mallory in
                    _ = try await mallory.frames(until: "connected")
                    let huge = #"{"type":"typing","conversation_sid":""# + String(repeating: "x", count: 64 * 1024) + #""}"#
                    try await mallory.send(huge)
                    #expect(try await mallory.next() == nil, "an oversized frame ends that connection")
                }
                _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "unaffected")])
                #expect(try await bob.next()?["type"] as? String == "messageAdded")
            }
        }
    }
}
