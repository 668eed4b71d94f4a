import Foundation
import Testing

@testable import ParleyCore

/// Push test helpers: credentials and notification settings written through the store, and the push outbox read back.
extension TestAPI {
    /// Stores a push credential of `type` for `accountSid` (its secret is never read by these tests) and returns its SID.
    func makePushCredential(_ type: PushCredential.Kind = .fcm, accountSid: String = TestCredentials.accountSid) async throws -> String {
        let sid = SID.make(.credential)
        try await parley.store.write { tx in
            try tx.insert(
                PushCredential(sid: sid, accountSid: accountSid, friendlyName: nil, type: type, sandbox: false, dateCreated: .now, dateUpdated: .now),
                sealedSecret: "test")
        }
        return sid
    }

    /// Writes the Service's notification settings.
    func setPushSettings(_ settings: PushSettings) async throws {
        try await parley.store.write { tx in try tx.save(settings, at: .now) }
    }

    /// Every pending row of the push outbox, in order.
    func pushOutbox() async throws -> [PushDelivery] {
        try await parley.store.read { tx in
            try tx.pushDeliveries(accountSid: TestCredentials.accountSid, status: .pending, page: PageRequest(size: 10_000)).items
        }.sorted { $0.seq < $1.seq }
    }

    /// A chat client of `identity` whose token's chat grant carries `push_credential_sid`.
    func chatClient(_ identity: String, pushCredentialSid: String) async throws -> TestAPI {
        authenticated(as: "Bearer \(try await pushToken(identity, pushCredentialSid: pushCredentialSid))")
    }

    /// An access token of `identity` (default Service) whose chat grant carries `push_credential_sid`, as Twilio's
    /// helper libraries mint it with `ChatGrant(push_credential_sid=...)`.
    func pushToken(_ identity: String, pushCredentialSid: String) async throws -> String {
        let key = try await parley.accessTokens.signingKey(accountSid: TestCredentials.accountSid)
        let now = Timestamp.now.secondsSince1970
        let claims = AccessTokenClaims(
            jti: "\(key.sid)-\(now)", iss: key.sid, sub: key.accountSid, exp: now + 3600, nbf: now,
            grants: .init(identity: identity, chat: .init(pushCredentialSid: pushCredentialSid)))
        return try await AccessToken.sign(claims, secret: key.secret)
    }

    /// Registers a device of the chat client `client` (form of `POST /client/v1/PushBindings`); returns the binding SID.
    @discardableResult
    func registerDevice(_ client: TestAPI, _ type: String, _ address: String, credential: String, messageTypes: [String] = []) async throws -> String {
        let response = try await client.post(
            "/client/v1/PushBindings", [("BindingType", type), ("Address", address), ("CredentialSid", credential)] + messageTypes.map { ("MessageTypes", $0) })
        #expect(response.status == .created, "\(response.text)")
        return try #require(response["sid"])
    }
}

extension PushDelivery {
    /// The rendered notification this row carries.
    var notification: PushNotification {
        get throws { try JSONDecoder().decode(PushNotification.self, from: Data(payload.utf8)) }
    }
}
