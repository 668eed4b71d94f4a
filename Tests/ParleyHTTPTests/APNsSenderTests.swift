import AsyncHTTPClient
import Foundation
import ParleyCore
import PushFakes
import Synchronization
import Testing

/// `APNsSender` against the fake APNs server on loopback: HTTP/2 over TLS (the test CA), the JWT's ES256 signature checked
/// by the fake, certificate auth with a client certificate, and every answer APNs gives mapped to a `PushOutcome`.
@Suite struct APNsSenderTests {
    static let teamId = "TEAM000001"
    static let keyId = "KEY0000001"
    static let topic = "com.example.parley"

    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        private let date = Mutex(Date())
        var now: Date { date.withLock { $0 } }
        func advance(by seconds: TimeInterval) { date.withLock { $0 += seconds } }
    }

    static func token(_ n: Int) -> String { String(format: "%064x", n) }

    static func notification(body: String = "alice: Hello", data: [String: String]? = nil) -> PushNotification {
        PushNotification(
            kind: .newMessage, body: body, sound: "default", badgeCountEnabled: true,
            data: data ?? [
                "twi_message_type": "twilio.conversations.new_message", "conversation_sid": "CH00000000000000000000000000000001",
                "message_sid": "IM00000000000000000000000000000001", "message_index": "0", "author": "alice", "twi_body": body,
            ])
    }

    static func attempt(_ token: String, _ credential: PushCredentialSecret, sandbox: Bool = false, body: String = "alice: Hello") -> PushAttempt {
        PushAttempt(notification: notification(body: body), address: token, credential: credential, sandbox: sandbox, badge: 3)
    }

    static func sender(
        _ server: FakeAPNsServer, sandboxURL: String? = nil, clock: ManualClock? = nil, timeout: Duration = .seconds(10)
    ) throws -> APNsSender {
        let settings = APNsSettings(
            productionURL: server.baseURL, sandboxURL: sandboxURL ?? server.baseURL, extraTrustRootPEM: TestTLSMaterial.caCertificatePEM,
            timeout: timeout)
        if let clock { return try APNsSender(client: .shared, settings: settings, now: { clock.now }) }
        return try APNsSender(client: .shared, settings: settings)
    }

    static func tokenServer(_ key: TestSigningKey, _ body: (FakeAPNsServer) async throws -> Void) async throws {
        try await FakeAPNsServer.serving(FakeAPNsConfiguration(signingKeys: [keyId: key.publicKeyPEM], teamId: teamId, topic: topic), body)
    }

    @Test func tokenAuthSendsAnAlertOverHTTP2WithASignedJWTAndTwiliosKeys() async throws {
        let key = TestSigningKey()
        try await Self.tokenServer(key) { server in
            let outcome = await try Self.sender(server).send(Self.attempt(Self.token(1), key.credential))
            #expect(outcome == .delivered)
            let push = try #require(server.pushes.first)
            #expect(push.status == 200)
            #expect(push.deviceToken == Self.token(1))
            // The fake checked the ES256 signature against the public key; these are the claims it read.
            #expect(push.keyId == Self.keyId)
            #expect(push.teamId == Self.teamId)
            #expect(push.headers["apns-topic"] == Self.topic)
            #expect(push.headers["apns-push-type"] == "alert")
            #expect(push.headers["apns-priority"] == "10")
            let expiration = try #require(push.headers["apns-expiration"].flatMap(Int.init))
            #expect(expiration > Int(Date().timeIntervalSince1970))
            let aps = try #require(push.aps)
            #expect((aps["alert"] as? [String: Any])?["body"] as? String == "alice: Hello")
            #expect(aps["sound"] as? String == "default")
            #expect(aps["badge"] as? Int == 3)
            let json = try #require(push.json)
            #expect(json["twi_message_type"] as? String == "twilio.conversations.new_message")
            #expect(json["conversation_sid"] as? String == "CH00000000000000000000000000000001")
            #expect(json["message_sid"] as? String == "IM00000000000000000000000000000001")
            #expect(json["twi_body"] as? String == "alice: Hello")
        }
    }

    @Test func theProviderTokenIsReusedAndReplacedBeforeItIsAnHourOld() async throws {
        let key = TestSigningKey()
        let clock = ManualClock()
        try await Self.tokenServer(key) { server in
            let sender = try Self.sender(server, clock: clock)
            for n in 1...3 { #expect(await sender.send(Self.attempt(Self.token(n), key.credential)) == .delivered) }
            clock.advance(by: 49 * 60)
            #expect(await sender.send(Self.attempt(Self.token(4), key.credential)) == .delivered)
            #expect(Set(server.pushes.compactMap(\.bearerToken)).count == 1, "one token for every push within 50 minutes")

            clock.advance(by: 2 * 60)
            #expect(await sender.send(Self.attempt(Self.token(5), key.credential)) == .delivered)
            #expect(await sender.send(Self.attempt(Self.token(6), key.credential)) == .delivered)
            let tokens = server.pushes.compactMap(\.bearerToken)
            #expect(Set(tokens).count == 2, "a new token after 50 minutes, then reused")
            #expect(tokens[4] == tokens[5])
            let issued = server.pushes.compactMap(\.issuedAt)
            #expect(issued[4] - issued[0] == 51 * 60)
        }
    }

    @Test func anExpiredProviderTokenIsDroppedAndThePushTriedOnceMore() async throws {
        let key = TestSigningKey()
        try await Self.tokenServer(key) { server in
            let sender = try Self.sender(server)
            server.answerNext(1, with: .expiredProviderToken)
            #expect(await sender.send(Self.attempt(Self.token(1), key.credential)) == .delivered)
            let pushes = server.pushes
            #expect(pushes.map(\.status) == [403, 200])
            #expect(pushes[0].bearerToken != pushes[1].bearerToken, "a new token for the second try")
            // The new token is the cached one now.
            #expect(await sender.send(Self.attempt(Self.token(2), key.credential)) == .delivered)
            #expect(server.pushes[2].bearerToken == pushes[1].bearerToken)
        }
    }

    @Test func aTokenAPNsKeepsRefusingFailsAfterOneRetry() async throws {
        let key = TestSigningKey()
        let clock = ManualClock()
        clock.advance(by: -2 * 3600)  // every token this sender makes is two hours old: the fake calls it expired itself
        try await Self.tokenServer(key) { server in
            let outcome = await try Self.sender(server, clock: clock).send(Self.attempt(Self.token(1), key.credential))
            #expect(outcome == .failed(statusCode: 403, reason: "APNs refused the provider token"))
            #expect(server.pushes.map(\.status) == [403, 403])
        }
    }

    @Test func aKeyTheFakeDoesNotKnowIsRefused() async throws {
        let known = TestSigningKey(), other = TestSigningKey()
        try await Self.tokenServer(known) { server in
            let outcome = await try Self.sender(server).send(Self.attempt(Self.token(1), other.credential))
            #expect(outcome == .failed(statusCode: 403, reason: "APNs refused the provider token"))
            #expect(server.delivered.isEmpty)
        }
    }

    @Test func certificateAuthPresentsTheClientCertificateAndNoBearer() async throws {
        let configuration = FakeAPNsConfiguration(topic: Self.topic, requireClientCertificate: true)
        try await FakeAPNsServer.serving(configuration) { server in
            // A short timeout: a refused handshake ends the request only when it runs out.
            let sender = try Self.sender(server, timeout: .seconds(2))
            let credential = PushCredentialSecret.apnsCertificate(
                certificatePEM: TestTLSMaterial.clientCertificatePEM, privateKeyPEM: TestTLSMaterial.clientPrivateKeyPEM, topic: Self.topic)
            #expect(await sender.send(Self.attempt(Self.token(1), credential)) == .delivered)
            #expect(await sender.send(Self.attempt(Self.token(2), credential)) == .delivered)
            #expect(server.pushes.count == 2)
            #expect(server.pushes.allSatisfy { $0.headers["authorization"] == nil && $0.headers["apns-topic"] == Self.topic })

            // Without the certificate the handshake fails: nothing reaches the server, and the push is retried later.
            let key = TestSigningKey()
            let outcome = await sender.send(Self.attempt(Self.token(3), key.credential))
            guard case .retry(nil, _, nil) = outcome else {
                Issue.record("expected a retry after a refused handshake, got \(outcome)")
                return
            }
            #expect(server.pushes.count == 2)
        }
    }

    @Test func aSandboxCredentialSendsToTheSandboxHost() async throws {
        let key = TestSigningKey()
        try await Self.tokenServer(key) { production in
            try await Self.tokenServer(key) { sandbox in
                let sender = try Self.sender(production, sandboxURL: sandbox.baseURL)
                #expect(await sender.send(Self.attempt(Self.token(1), key.credential, sandbox: true)) == .delivered)
                #expect(await sender.send(Self.attempt(Self.token(2), key.credential, sandbox: false)) == .delivered)
                #expect(sandbox.pushes.map(\.deviceToken) == [Self.token(1)])
                #expect(production.pushes.map(\.deviceToken) == [Self.token(2)])
            }
        }
    }

    @Test func answersMapToOutcomes() async throws {
        let key = TestSigningKey()
        try await Self.tokenServer(key) { server in
            let sender = try Self.sender(server)
            func send(_ n: Int) async -> PushOutcome { await sender.send(Self.attempt(Self.token(n), key.credential)) }

            server.answer(Self.token(1), with: .unregistered)
            #expect(await send(1) == .unregistered(statusCode: 410, reason: "Unregistered"))
            server.answer(Self.token(2), with: .badDeviceToken)
            #expect(await send(2) == .unregistered(statusCode: 400, reason: "BadDeviceToken"))
            server.answerNext(1, with: .internalServerError)
            #expect(await send(3) == .retry(statusCode: 500, reason: "InternalServerError", after: nil))
            server.answerNext(1, with: .tooManyRequests(retryAfter: 7))
            #expect(await send(4) == .retry(statusCode: 429, reason: "TooManyRequests", after: .seconds(7)))
            server.answerNext(1, with: FakeAPNsAnswer(status: 503, reason: "ServiceUnavailable", retryAfter: 2))
            #expect(await send(5) == .retry(statusCode: 503, reason: "ServiceUnavailable", after: .seconds(2)))
            server.answerNext(1, with: FakeAPNsAnswer(status: 400, reason: "BadCollapseId"))
            #expect(await send(6) == .failed(statusCode: 400, reason: "BadCollapseId"))
            // Real refusals by the fake's own checks: a token that is not hex, and a topic of another app.
            #expect(await sender.send(Self.attempt("not-a-device-token", key.credential)) == .unregistered(statusCode: 400, reason: "BadDeviceToken"))
            let otherTopic = PushCredentialSecret.apnsToken(privateKeyPEM: key.privateKeyPEM, keyId: Self.keyId, teamId: Self.teamId, topic: "com.example.other")
            #expect(await sender.send(Self.attempt(Self.token(7), otherTopic)) == .unregistered(statusCode: 400, reason: "DeviceTokenNotForTopic"))
            // Answered as told, the token itself is fine again.
            server.answer(Self.token(1), with: nil)
            #expect(await send(1) == .delivered)
        }
    }

    @Test func anUnreachableHostIsRetried() async throws {
        let key = TestSigningKey()
        let port = try await Self.closedPort()
        let sender = try APNsSender(
            client: .shared, settings: APNsSettings(productionURL: "https://127.0.0.1:\(port)", extraTrustRootPEM: TestTLSMaterial.caCertificatePEM, timeout: .seconds(1)))
        let outcome = await sender.send(Self.attempt(Self.token(1), key.credential))
        guard case .retry(nil, let reason, nil) = outcome else {
            Issue.record("expected a retry, got \(outcome)")
            return
        }
        #expect(!reason.contains(Self.token(1)), "the device token is not in the reason")
    }

    @Test func aLongBodyIsCutToFitAPNsLimit() async throws {
        let key = TestSigningKey()
        try await Self.tokenServer(key) { server in
            let sender = try Self.sender(server)
            let long = String(repeating: "Grüße, ", count: 800)  // ~6.4 KB as UTF-8, twice over in the body and twi_body
            #expect(await sender.send(Self.attempt(Self.token(1), key.credential, body: long)) == .delivered)
            let push = try #require(server.pushes.first)
            #expect(push.body.count <= 4096)
            let alert = try #require((push.aps?["alert"] as? [String: Any])?["body"] as? String)
            let twilioBody = try #require(push.json?["twi_body"] as? String)
            for text in [alert, twilioBody] {
                #expect(text.hasSuffix("…"))
                #expect(long.hasPrefix(String(text.dropLast())))
            }
            #expect(alert.count > 500, "only as much is cut as needed")

            // Data keys that alone exceed the limit: refused without a request.
            let huge = PushNotification(kind: .newMessage, body: "hi", data: ["conversation_title": String(repeating: "x", count: 5000)])
            let outcome = await sender.send(PushAttempt(notification: huge, address: Self.token(2), credential: key.credential, sandbox: false))
            #expect(outcome == .failed(statusCode: nil, reason: "the notification's data keys alone exceed APNs' 4 KB limit"))
            #expect(server.pushes.count == 1)
        }
    }

    @Test func aBadSigningKeyFailsWithoutARequest() async throws {
        let key = TestSigningKey()
        try await Self.tokenServer(key) { server in
            let broken = PushCredentialSecret.apnsToken(privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", keyId: Self.keyId, teamId: Self.teamId, topic: Self.topic)
            let outcome = await try Self.sender(server).send(Self.attempt(Self.token(1), broken))
            #expect(outcome == .failed(statusCode: nil, reason: "the APNs signing key is not a P-256 private key in PEM (a .p8 file)"))
            #expect(server.pushes.isEmpty)
        }
    }

    /// A loopback port nothing listens on (bound, then closed).
    static func closedPort() async throws -> Int {
        try await FakeAPNsServer.serving(FakeAPNsConfiguration()) { server in
            try #require(URLComponents(string: server.baseURL)?.port)
        }
    }
}

extension TestSigningKey {
    /// A token-auth credential with this key, the tests' key id, team and topic.
    var credential: PushCredentialSecret {
        .apnsToken(privateKeyPEM: privateKeyPEM, keyId: APNsSenderTests.keyId, teamId: APNsSenderTests.teamId, topic: APNsSenderTests.topic)
    }
}
