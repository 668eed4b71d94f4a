import Foundation
import Hummingbird
import ParleyCore
import ParleyHTTP
import Testing

/// Rate limits: a bucket per caller (the account's admin, each chat identity, the account's inbound webhooks, media
/// uploads), failed authentications per client address, and frames per chat socket.
@Suite struct RateLimitTests {
    static func limited(_ perSecond: Int) -> ServerSettings {
        var settings = ServerSettings(publicURL: TestCredentials.publicURL)
        settings.rateLimit = perSecond
        return settings
    }

    @Test func aChatClientFloodingTheClientAPIDoesNotStarveTheAdmin() async throws {
        try await withOpsParley(settings: Self.limited(5)) { api in
            let alice = try await api.chatClient("alice")
            // All at once, so a loaded machine's slow answers cannot let the bucket refill between them.
            let answers = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<20 { group.addTask { try await alice.get("/client/v1/Conversations") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let refused = answers.filter { $0.status == .tooManyRequests }
            #expect(!refused.isEmpty)
            #expect(refused.allSatisfy { $0.code == 20429 && $0.headers[.retryAfter] != nil })
            // The admin and another chat user each have a bucket of their own, still full.
            for _ in 0..<4 { #expect(try await api.get("/v1/Conversations").status == .ok) }
            let bob = try await api.chatClient("bob")
            for _ in 0..<4 { #expect(try await bob.get("/client/v1/Conversations").status == .ok) }
        }
    }

    @Test func mediaUploadsDrawOnTheCallersBucket() async throws {
        try await withOpsParley(settings: Self.limited(3)) { api in
            let service = try #require(try await api.get("/v1/Configuration")["default_chat_service_sid"])
            // All at once, so a loaded machine's slow uploads cannot let the bucket refill between them.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await api.client.execute(
                            uri: "/v1/Services/\(service)/Media", method: .post,
                            headers: [.authorization: api.authorization!, .contentType: "image/png"], body: ByteBuffer(string: "png bytes")
                        ) { $0.status }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.contains(.tooManyRequests))
            #expect(try await api.parley.store.tableCounts()["media"] == statuses.filter { $0 == .created }.count)
        }
    }

    @Test func inboundWebhooksHaveABucketPerAccountApartFromTheAPI() async throws {
        try await withOpsParley(settings: Self.limited(2)) { api in
            // All at once, so a loaded machine's slow answers cannot let the bucket refill between them.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<8 {
                    group.addTask { try await api.inbound(TestAPI.incoming(from: "+1555000000\(index)", to: "+15559990000", body: "hi")).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.contains(.tooManyRequests))
            #expect(try await api.parley.store.tableCounts()["unrouted_inbound"] == statuses.filter { $0 == .ok }.count)
            #expect(try await api.get("/v1/Conversations").status == .ok)
        }
    }

    @Test func failedAuthenticationsFromOneAddressAreLimited() async throws {
        var settings = ServerSettings(publicURL: TestCredentials.publicURL)
        settings.authFailuresPerMinute = 3
        try await withOpsParley(settings: settings, live: true) { api in
            let wrong = api.authenticated(as: "Basic " + Data("\(TestCredentials.accountSid):guess".utf8).base64EncodedString())
            for _ in 0..<3 { #expect(try await wrong.get("/v1/Conversations").status == .unauthorized) }
            let blocked = try await wrong.get("/v1/Conversations")
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.code == 20429)
            #expect(blocked.headers[.retryAfter] != nil)
            // While the address is blocked, even good credentials wait: guesses are not checked at all.
            #expect(try await api.get("/v1/Conversations").status == .tooManyRequests)
            #expect(try await api.authenticated(as: "Bearer not-a-token").get("/client/v1/Me").status == .tooManyRequests)
        }
    }

    @Test func successfulRequestsDoNotCountAsFailures() async throws {
        var settings = ServerSettings(publicURL: TestCredentials.publicURL)
        settings.authFailuresPerMinute = 2
        try await withOpsParley(settings: settings, live: true) { (api: TestAPI) async throws in
            for _ in 0..<10 {
                let answer = try await api.get("/v1/Conversations")
                #expect(answer.status == .ok)
            }
            let missing = try await api.get("/v1/Conversations/CH00000000000000000000000000000000")
            #expect(missing.status == .notFound)
        }
    }

    @Test func aSocketSendingTooManyFramesIsAnsweredWith429AndThenClosed() async throws {
        try await withLiveParley { _, sockets in
            try await sockets.connect(as: "alice") { socket in
                #expect(try await socket.frames(until: "connected").last?["type"] as? String == "connected")
                for _ in 0..<200 { try? await socket.send("{}") }
                var codes: [Int] = []
                while let frame = try await socket.next(within: 5) { if let code = frame["code"] as? Int { codes.append(code) } }
                #expect(codes.contains(20001))  // within the budget: the frame's own error
                #expect(codes.contains(20429))  // past it: ignored
                #expect(codes.count < 200)  // closed before the last ones were read
            }
        }
    }
}
