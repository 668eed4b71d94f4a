import Foundation
import Hummingbird
@testable import ParleyHTTP
import Testing

@Suite struct MetricsAndLimitsTests {
    @Test func metricsCountRequestsByRouteAndTimeTheWriteQueue() async throws {
        var settings = ServerSettings(publicURL: TestCredentials.publicURL)
        settings.metrics = ParleyMetrics()
        try await withOpsParley(settings: settings) { api in
            let conversation = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "hi")])
            _ = try await api.get("/v1/Conversations/\(conversation)/Messages")
            let metrics = try await api.authenticated(as: nil).get("/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let lines = metrics.text.split(separator: "\n").map(String.init)
            #expect(lines.contains(#"parley_http_requests_total{route="/v1/Conversations/{conversationSid}/Messages",method="POST",status="201"} 1"#))
            #expect(lines.contains(#"parley_http_requests_total{route="/v1/Conversations",method="POST",status="201"} 1"#))
            // The raw SID never becomes a label: routes are templates.
            #expect(!metrics.text.contains(conversation))
            #expect(lines.contains { $0.hasPrefix("parley_http_request_duration_seconds_bucket{") })
            #expect(lines.contains { $0.hasPrefix("parley_sqlite_write_wait_seconds_count") && !$0.hasSuffix(" 0") })
            let sockets = lines.first { $0.hasPrefix("parley_websocket_connections ") }
            #expect(sockets.flatMap { Double($0.split(separator: " ").last!) } == 0)
        }
    }

    @Test func withoutMetricsThereIsNoMetricsPath() async throws {
        try await withParley { api in
            let metrics = try await api.authenticated(as: nil).get("/metrics")
            #expect(metrics.status == .notFound)
        }
    }

    @Test func tokenBucketRefillsAtTheRate() {
        let limiter = RateLimiter(perSecond: 2)
        let start = ContinuousClock.now
        #expect(limiter.take("AC1", now: start) == nil)
        #expect(limiter.take("AC1", now: start) == nil)
        let wait = limiter.take("AC1", now: start)
        #expect(wait != nil && wait! > 0.49 && wait! <= 0.5)
        #expect(limiter.take("AC2", now: start) == nil)  // another account has its own bucket
        #expect(limiter.take("AC1", now: start + .milliseconds(500)) == nil)
        #expect(limiter.take("AC1", now: start + .milliseconds(500)) != nil)
    }

    @Test func manyKeysKeepTheRecentBucketsAndForgetTheOldest() {
        let limiter = RateLimiter(capacity: 1, refillPerSecond: 0.001, maximumKeys: 4)
        let start = ContinuousClock.now
        for index in 0..<10 { #expect(limiter.take("key\(index)", now: start + .milliseconds(index)) == nil) }
        #expect(limiter.take("key9", now: start + .milliseconds(20)) != nil)  // recent: still empty
        #expect(limiter.take("key0", now: start + .milliseconds(21)) == nil)  // oldest: forgotten, a full bucket again
    }

    @Test func overTheLimitIs429WithTwiliosCode() async throws {
        var settings = ServerSettings(publicURL: TestCredentials.publicURL)
        settings.rateLimit = 1
        try await withOpsParley(settings: settings) { api in
            var answers: [TestResponse] = []
            for _ in 0..<4 { answers.append(try await api.post("/v1/Conversations", [("FriendlyName", "x")])) }
            let limited = answers.filter { $0.status == .tooManyRequests }
            #expect(!limited.isEmpty)
            #expect(limited.allSatisfy { $0.code == 20429 && $0.headers[.retryAfter] != nil })
            let created = answers.filter { $0.status == .created }.count
            #expect(try await api.parley.store.tableCounts()["conversations"] == created)
        }
    }
}
