import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import ParleyCore
import Testing

@Suite struct HealthAndRequestIdTests {
    @Test func healthAndReadinessNeedNoCredentials() async throws {
        try await withParley { api in
            let anonymous = api.authenticated(as: nil)
            let health = try await anonymous.get("/healthz")
            #expect(health.status == .ok)
            #expect(health["status"] == "ok")
            let ready = try await anonymous.get("/readyz")
            #expect(ready.status == .ok, "\(ready.text)")
            #expect(ready["status"] == "ready")
            #expect(ready["migrations"] == "current")
        }
    }

    @Test func notReadyWithPendingMigrations() async throws {
        try await withOpsParley(beforeStart: { path in
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: "DELETE FROM schema_migrations WHERE name = '0006_operations'") }
            try queue.close()
        }) { api in
            let ready = try await api.authenticated(as: nil).get("/readyz")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready["status"] == "unavailable")
            #expect(ready.text.contains("0006_operations"))
        }
    }

    @Test func everyResponseCarriesATwilioRequestId() async throws {
        try await withParley { api in
            let responses = [
                try await api.get("/v1/Conversations"),
                try await api.post("/v1/Conversations", [("FriendlyName", "x")]),
                try await api.get("/v1/Conversations/CH00000000000000000000000000000000"),
                try await api.get("/no/such/path"),
                try await api.authenticated(as: nil).get("/v1/Conversations"),
                try await api.authenticated(as: nil).get("/healthz"),
            ]
            #expect(responses.map(\.status) == [.ok, .created, .notFound, .notFound, .unauthorized, .ok])
            let ids = responses.compactMap { $0.headers[HTTPField.Name("Twilio-Request-Id")!] }
            #expect(ids.count == responses.count)
            for id in ids { #expect(id.wholeMatch(of: /RQ[0-9a-f]{32}/) != nil, "\(id)") }
            #expect(Set(ids).count == ids.count)
        }
    }

    /// Credentials of every kind are used, rightly and wrongly, with every log level on: none reaches a log line,
    /// while the request lines (with their request ids) are there.
    @Test func secretsNeverReachTheLog() async throws {
        let log = CapturedLog()
        try await withOpsParley(logger: log.logger()) { api in
            let apiKey = try await api.parley.accounts.createAPIKey(accountSid: TestCredentials.accountSid, friendlyName: "k")
            let token = try await api.parley.accessTokens.mintAccessToken(apiKey: apiKey, identity: "alice")
            let conversation = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            let keyAuth = "Basic " + Data("\(apiKey.sid):\(apiKey.secret)".utf8).base64EncodedString()
            let wrong = "Basic " + Data("\(TestCredentials.accountSid):wrong-secret-1234".utf8).base64EncodedString()
            #expect(try await api.authenticated(as: keyAuth).get("/v1/Conversations").status == .ok)
            #expect(try await api.authenticated(as: wrong).get("/v1/Conversations").status == .unauthorized)
            let bearer = api.authenticated(as: "Bearer \(token)")
            #expect(try await bearer.post("/client/v1/Conversations/\(conversation)/Messages", [("Body", "hi")]).status == .created)
            _ = try await api.authenticated(as: nil).get("/client/v1/Me", [("token", token)])
            #expect(try await api.authenticated(as: nil).get("/client/v1/socket", [("token", token)]).status == .upgradeRequired)
            #expect(try await api.authenticated(as: "Bearer \(token)x").get("/client/v1/Me").status == .unauthorized)
            #expect(try await api.post("/v1/Conversations", [("FriendlyName", TestCredentials.authToken)]).status == .created)

            let lines = log.all
            #expect(lines.filter { $0.contains("request_id=RQ") && $0.contains(" request ") }.count >= 8)
            let secrets = [
                TestCredentials.authToken, apiKey.secret, token, String(token.split(separator: ".").last!), "wrong-secret-1234",
                Data("\(TestCredentials.accountSid):\(TestCredentials.authToken)".utf8).base64EncodedString(),
                String(keyAuth.dropFirst(6)), String(wrong.dropFirst(6)),
            ]
            for secret in secrets {
                let leaks = lines.filter { $0.contains(secret) }
                #expect(leaks.isEmpty, "secret in log: \(leaks)")
            }
        }
    }
}

@Suite struct IdempotencyAPITests {
    static func keyed(_ key: String, header: String = "Idempotency-Key") -> HTTPFields {
        [HTTPField.Name(header)!: key]
    }

    func conversationCount(_ api: TestAPI) async throws -> Int {
        try await api.get("/v1/Conversations", [("PageSize", "100")]).records.count
    }

    @Test func aRetryGetsTheFirstAnswer() async throws {
        try await withParley { api in
            let form = [("FriendlyName", "once")]
            let first = try await api.request(.post, "/v1/Conversations", form, headers: Self.keyed("key-1"))
            #expect(first.status == .created)
            let retry = try await api.request(.post, "/v1/Conversations", form, headers: Self.keyed("key-1"))
            #expect(retry.status == .created)
            #expect(retry.text == first.text)
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(try await conversationCount(api) == 1)

            // Twilio's header works the same way; a different key is a different request.
            let twilio = try await api.request(.post, "/v1/Conversations", form, headers: Self.keyed("key-2", header: "I-Twilio-Idempotency-Token"))
            let again = try await api.request(.post, "/v1/Conversations", form, headers: Self.keyed("key-2", header: "I-Twilio-Idempotency-Token"))
            #expect(twilio.status == .created)
            #expect(again["sid"] == twilio["sid"])
            #expect(twilio["sid"] != first["sid"])
            #expect(try await conversationCount(api) == 2)

            // Messages too: one message, index 0.
            let conversation = try #require(first["sid"])
            for _ in 0..<3 {
                let message = try await api.request(.post, "/v1/Conversations/\(conversation)/Messages", [("Body", "hi")], headers: Self.keyed("m-1"))
                #expect(message.status == .created)
                #expect(message.json["index"] as? Int == 0)
            }
            #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.count == 1)
        }
    }

    @Test func aKeyReusedForAnotherRequestIsRefused() async throws {
        try await withParley { api in
            let first = try await api.request(.post, "/v1/Conversations", [("FriendlyName", "a")], headers: Self.keyed("key"))
            #expect(first.status == .created)
            let other = try await api.request(.post, "/v1/Conversations", [("FriendlyName", "b")], headers: Self.keyed("key"))
            #expect(other.status == .unprocessableContent)
            #expect(other.code == 20422)
            #expect(try await conversationCount(api) == 1)
            let tooLong = try await api.request(.post, "/v1/Conversations", [("FriendlyName", "c")], headers: Self.keyed(String(repeating: "k", count: 256)))
            #expect(tooLong.status == .badRequest)
            #expect(try await conversationCount(api) == 1)
        }
    }

    @Test func aFailedRequestReleasesItsKey() async throws {
        try await withParley { api in
            let bad = try await api.request(.post, "/v1/Conversations", [("State", "nonsense")], headers: Self.keyed("key"))
            #expect(bad.status == .badRequest)
            let good = try await api.request(.post, "/v1/Conversations", [("FriendlyName", "fixed")], headers: Self.keyed("key"))
            #expect(good.status == .created)
            #expect(try await conversationCount(api) == 1)
        }
    }

    /// Concurrent duplicates: exactly one runs; the others get its answer or 409, never a second conversation.
    @Test func concurrentDuplicatesCreateOnce() async throws {
        try await withParley { api in
            let answers = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await api.request(.post, "/v1/Conversations", [("FriendlyName", "race")], headers: Self.keyed("race")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = answers.filter { $0.status == .created }
            #expect(created.count >= 1)
            #expect(Set(created.compactMap { $0["sid"] }).count == 1)
            #expect(answers.allSatisfy { $0.status == .created || ($0.status == .conflict && $0.code == 20409) })
            #expect(try await conversationCount(api) == 1)
        }
    }

    @Test func requestsWithoutAKeyAreUnaffected() async throws {
        try await withParley { api in
            _ = try await api.post("/v1/Conversations", [("FriendlyName", "same")])
            _ = try await api.post("/v1/Conversations", [("FriendlyName", "same")])
            #expect(try await conversationCount(api) == 2)
        }
    }
}
