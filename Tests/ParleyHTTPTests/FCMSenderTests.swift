import Foundation
import ParleyCore
import PushFakes
import Testing

/// `FCMSender` against the fake OAuth2 token endpoint and FCM send endpoint on loopback: the JWT grant is checked there
/// (RS256 signature, claims), the access token cached, and each FCM answer mapped to an outcome.
@Suite struct FCMSenderTests {
    static let token = "fcm-registration-token-0123456789"

    static func attempt(_ account: FakeServiceAccount, address: String = token, badge: Int? = nil) -> PushAttempt {
        let notification = PushNotification(
            kind: .newMessage, body: "alice: hello", sound: "ping.caf", badgeCountEnabled: badge != nil,
            data: ["twi_message_type": "twilio.conversations.new_message", "conversation_sid": "CH00000000000000000000000000000001", "message_index": "0"])
        return PushAttempt(
            notification: notification, address: address,
            credential: .fcmServiceAccount(
                projectId: account.projectId, clientEmail: account.clientEmail, privateKeyPEM: account.privateKeyPEM, tokenURI: account.tokenURI),
            sandbox: false, badge: badge)
    }

    @Test func aPushIsADataMessageWithTwiliosKeysSentWithACachedAccessToken() async throws {
        try await FakeFCMServer.serving { fake in
            let sender = FCMSender(settings: FCMSettings(baseURL: fake.baseURL))
            #expect(await sender.send(Self.attempt(fake.serviceAccount, badge: 3)) == .delivered)
            #expect(await sender.send(Self.attempt(fake.serviceAccount)) == .delivered)
            let messages = fake.delivered
            #expect(messages.count == 2)
            #expect(fake.grantCount == 1)  // the access token was reused for the second push
            let first = try #require(messages.first)
            #expect(first.token == Self.token)
            #expect(first.data["twi_body"] == "alice: hello")
            #expect(first.data["twi_sound"] == "ping.caf")
            #expect(first.data["twi_message_type"] == "twilio.conversations.new_message")
            #expect(first.data["conversation_sid"] == "CH00000000000000000000000000000001")
            #expect((first.message?["android"] as? [String: Any])?["priority"] as? String == "high")
            #expect(first.message?["notification"] == nil)
            let aps = ((first.message?["apns"] as? [String: Any])?["payload"] as? [String: Any])?["aps"] as? [String: Any]
            #expect(aps?["badge"] as? Int == 3)
        }
    }

    @Test func providerAnswersMapToOutcomes() async throws {
        try await FakeFCMServer.serving { fake in
            let sender = FCMSender(settings: FCMSettings(baseURL: fake.baseURL))
            let account = fake.serviceAccount
            fake.answerNext(1, with: .unregistered)
            guard case .unregistered(404, let reason) = await sender.send(Self.attempt(account)) else { Issue.record("404 UNREGISTERED"); return }
            #expect(reason.contains("UNREGISTERED"))
            fake.answerNext(1, with: .invalidToken)
            guard case .unregistered(400, _) = await sender.send(Self.attempt(account)) else { Issue.record("400 token"); return }
            fake.answerNext(1, with: .internalError)
            guard case .retry(500, _, nil) = await sender.send(Self.attempt(account)) else { Issue.record("500"); return }
            fake.answerNext(1, with: .tooManyRequests(retryAfter: 7))
            guard case .retry(429, _, let after) = await sender.send(Self.attempt(account)) else { Issue.record("429"); return }
            #expect(after == .seconds(7))
            fake.answerNext(1, with: .senderMismatch)
            guard case .failed(403, let refusal) = await sender.send(Self.attempt(account)) else { Issue.record("403"); return }
            #expect(refusal.contains("SENDER_ID_MISMATCH"))
            #expect(fake.delivered.isEmpty)
        }
    }

    @Test func aRevokedAccessTokenIsDroppedAndTheSendTriedWithANewOne() async throws {
        try await FakeFCMServer.serving { fake in
            let sender = FCMSender(settings: FCMSettings(baseURL: fake.baseURL))
            #expect(await sender.send(Self.attempt(fake.serviceAccount)) == .delivered)
            fake.revokeAccessTokens()
            #expect(await sender.send(Self.attempt(fake.serviceAccount)) == .delivered)
            #expect(fake.grantCount == 2)
            #expect(fake.messages.map(\.status) == [200, 401, 200])
        }
    }

    @Test func aGrantSignedWithTheWrongKeyFailsThePush() async throws {
        try await FakeFCMServer.serving { fake in
            let sender = FCMSender(settings: FCMSettings(baseURL: fake.baseURL))
            var account = fake.serviceAccount
            account.privateKeyPEM = FakeServiceAccount.otherKeyPEM
            guard case .failed(400, let reason) = await sender.send(Self.attempt(account)) else { Issue.record("refused grant"); return }
            #expect(reason.contains("invalid_grant"))
            #expect(fake.refusedGrantCount == 1)
            #expect(fake.messages.isEmpty)
        }
    }

    @Test func theTokenEndpointCanBeOverriddenForEveryServiceAccount() async throws {
        // The account names Google's endpoint (the grant's audience); `--fcm-oauth-url` sends the grant to the fake instead.
        try await FakeFCMServer.serving(FakeServiceAccount(tokenURI: "https://oauth2.googleapis.com/token")) { fake in
            let sender = FCMSender(settings: FCMSettings(baseURL: fake.baseURL, oauthURL: fake.tokenURL))
            #expect(await sender.send(Self.attempt(fake.serviceAccount)) == .delivered)
            #expect(fake.grantCount == 1)
        }
    }

    @Test func aLegacyServerKeyFailsAtOnce() async throws {
        let sender = FCMSender(settings: FCMSettings(baseURL: "http://127.0.0.1:9"))
        let attempt = PushAttempt(
            notification: PushNotification(kind: .newMessage, body: "hi", data: [:]), address: Self.token, credential: .legacyServerKey("AAAA-key"),
            sandbox: false)
        guard case .failed(nil, let reason) = await sender.send(attempt) else { Issue.record("legacy key"); return }
        #expect(reason.contains("legacy API was retired"))
    }

    @Test func anUnreachableProviderIsRetried() async throws {
        // Nothing listens on port 9 of the loopback: the grant cannot be had, so the push is tried again later.
        let sender = FCMSender(settings: FCMSettings(baseURL: "http://127.0.0.1:9", timeout: .seconds(1)))
        let outcome = await sender.send(Self.attempt(FakeServiceAccount(tokenURI: "http://127.0.0.1:9/token")))
        guard case .retry(nil, _, nil) = outcome else { Issue.record("expected a retry, got \(outcome)"); return }
    }
}
