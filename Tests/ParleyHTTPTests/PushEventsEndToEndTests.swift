import Foundation
import ParleyCore
import PushFakes
import Testing

@testable import ParleyHTTP

/// Pushes for the other events and APNs' other modes, end to end through the worker to the fakes on loopback: being
/// added to and removed from a conversation, APNs certificate auth on the sandbox host, and the unread badge.
@Suite struct PushEventsEndToEndTests {
    typealias E2E = PushEndToEndTests

    @Test func addedAndRemovedPushesCarryTheirTemplatesToFCMAndAPNs() async throws {
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(E2E.apnsConfiguration) { apns in
                try await withPushParley(fcm: fcm, apns: apns) { api in
                    let service = try await api.defaultServiceSid()
                    let fcmSid = try await api.makeFCMCredential(fcm)
                    let apnSid = try await api.makeAPNsTokenCredential()
                    let settings = try await api.post(
                        "/v1/Services/\(service)/Configuration/Notifications",
                        [
                            ("AddedToConversation.Enabled", "true"), ("AddedToConversation.Template", "${PARTICIPANT} added you to ${CONVERSATION}"),
                            ("AddedToConversation.Sound", "in.caf"), ("RemovedFromConversation.Enabled", "true"),
                            ("RemovedFromConversation.Template", "${PARTICIPANT} removed you from ${CONVERSATION}"),
                        ])
                    #expect(settings.status == .ok, "\(settings.text)")
                    #expect(try await api.post("/v1/Users", [("Identity", "alice"), ("FriendlyName", "Alice A")]).status == .created)
                    let conversation = try await api.makeConversation("/v1", [("FriendlyName", "Book club"), ("UniqueName", "book-club")])
                    try await api.join(conversation, "alice")
                    let bob = try await api.chatClient("bob")
                    try await api.registerDevice(bob, "fcm", E2E.fcmToken("bob"), credential: fcmSid)
                    try await api.registerDevice(bob, "apn", E2E.deviceToken(2), credential: apnSid)

                    // alice adds bob from her chat client: ${PARTICIPANT} is her friendly name, ${CONVERSATION} the unique name.
                    let alice = try await api.chatClient("alice")
                    let added = try await alice.post("/client/v1/Conversations/\(conversation)/Participants", [("Identity", "bob")])
                    #expect(added.status == .created, "\(added.text)")
                    let addedFCM = try #require(try await fcm.waitForDelivered(1).first)
                    let addedAPNs = try #require(try await apns.waitForDelivered(1).first)
                    #expect(addedFCM.token == E2E.fcmToken("bob"))
                    #expect(addedFCM.data["twi_body"] == "Alice A added you to book-club")
                    #expect(addedFCM.data["twi_message_type"] == "twilio.conversations.added_to_conversation")
                    #expect(addedFCM.data["conversation_sid"] == conversation)
                    #expect(addedFCM.data["twi_sound"] == "in.caf")
                    #expect(addedAPNs.deviceToken == E2E.deviceToken(2))
                    #expect(addedAPNs.alertBody == "Alice A added you to book-club")
                    #expect(addedAPNs.json?["twi_message_type"] as? String == "twilio.conversations.added_to_conversation")
                    #expect(addedAPNs.json?["conversation_sid"] as? String == conversation)
                    #expect(addedAPNs.aps?["sound"] as? String == "in.caf")

                    // The REST API removes him: the actor is `system`.
                    #expect(try await api.delete("/v1/Conversations/\(conversation)/Participants/bob").status == .noContent)
                    let removedFCM = try #require(try await fcm.waitForDelivered(2).last)
                    let removedAPNs = try #require(try await apns.waitForDelivered(2).last)
                    #expect(removedFCM.data["twi_body"] == "system removed you from book-club")
                    #expect(removedFCM.data["twi_message_type"] == "twilio.conversations.removed_from_conversation")
                    #expect(removedAPNs.alertBody == "system removed you from book-club")
                    #expect(removedAPNs.json?["twi_message_type"] as? String == "twilio.conversations.removed_from_conversation")
                    try await waitUntil { try await api.pushRows().allSatisfy { $0.status == .delivered } }
                    #expect(try await api.pushRows().map(\.eventType).sorted() == [
                        "added_to_conversation", "added_to_conversation", "removed_from_conversation", "removed_from_conversation",
                    ])
                    // alice was added through the REST API before any settings named her; she has no device anyway.
                    #expect(fcm.messages.count == 2 && apns.pushes.count == 2)
                }
            }
        }
    }

    @Test func aSandboxCertificateCredentialPushesToTheSandboxHostWithItsClientCertificate() async throws {
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(E2E.apnsConfiguration) { production in
                let sandboxConfiguration = FakeAPNsConfiguration(topic: E2E.topic, requireClientCertificate: true)
                try await FakeAPNsServer.serving(sandboxConfiguration) { sandbox in
                    try await withPushParley(fcm: fcm, apns: production, apnsSandbox: sandbox) { api in
                        let service = try await api.defaultServiceSid()
                        let credential = try await api.post(
                            "/v1/Credentials",
                            [
                                ("Type", "apn"), ("FriendlyName", "dev build"), ("Certificate", TestTLSMaterial.clientCertificatePEM),
                                ("PrivateKey", TestTLSMaterial.clientPrivateKeyPEM), ("Sandbox", "true"),
                            ])
                        #expect(credential.status == .created, "\(credential.text)")
                        #expect(credential["sandbox"] == "True")
                        let settings = try await api.post(
                            "/v1/Services/\(service)/Configuration/Notifications", [("NewMessage.Enabled", "true"), ("NewMessage.Template", "${MESSAGE}")])
                        #expect(settings.status == .ok, "\(settings.text)")
                        let conversation = try await api.makeConversation()
                        for identity in ["alice", "bob"] { try await api.join(conversation, identity) }
                        try await api.registerDevice(try await api.chatClient("bob"), "apn", E2E.deviceToken(7), credential: try #require(credential["sid"]))

                        _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Author", "alice"), ("Body", "signed by certificate")])
                        let push = try #require(try await sandbox.waitForDelivered(1).first)
                        #expect(push.deviceToken == E2E.deviceToken(7))
                        #expect(push.bearerToken == nil, "certificate auth sends no provider token")
                        #expect(push.headers["apns-topic"] == E2E.topic)
                        #expect(push.alertBody == "signed by certificate")
                        try await waitUntil { try await api.pushRows().first?.status == .delivered }
                        #expect(production.pushes.isEmpty, "a Sandbox credential must not reach the production host")
                    }
                }
            }
        }
    }

    @Test func theBadgeIsTheRecipientsUnreadCountAcrossConversationsAtSendTime() async throws {
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(E2E.apnsConfiguration) { apns in
                try await withPushParley(fcm: fcm, apns: apns) { api in
                    let service = try await api.defaultServiceSid()
                    let first = try await api.makeConversation()
                    let second = try await api.makeConversation()
                    for conversation in [first, second] {
                        for identity in ["alice", "bob"] { try await api.join(conversation, identity) }
                    }
                    // Before pushes are enabled: three messages in the first conversation, one in the second.
                    for body in ["one", "two", "three"] {
                        _ = try await api.post("/v1/Conversations/\(first)/Messages", [("Author", "alice"), ("Body", body)])
                    }
                    _ = try await api.post("/v1/Conversations/\(second)/Messages", [("Author", "alice"), ("Body", "four")])
                    // bob has read the first message of each: 2 unread in the first, 0 in the second.
                    for conversation in [first, second] { try await api.setReadHorizon(conversation, "bob", 0) }
                    let bob = try await api.chatClient("bob")
                    try await api.registerDevice(bob, "apn", E2E.deviceToken(3), credential: try await api.makeAPNsTokenCredential())
                    try await api.registerDevice(bob, "fcm", E2E.fcmToken("bob"), credential: try await api.makeFCMCredential(fcm))
                    let settings = try await api.post(
                        "/v1/Services/\(service)/Configuration/Notifications", [("NewMessage.Enabled", "true"), ("NewMessage.BadgeCountEnabled", "true")])
                    #expect(settings.status == .ok, "\(settings.text)")

                    // A fifth message, in the second conversation: 2 + 1 unread when it is sent.
                    _ = try await api.post("/v1/Conversations/\(second)/Messages", [("Author", "alice"), ("Body", "five")])
                    let push = try #require(try await apns.waitForDelivered(1).first)
                    #expect(push.aps?["badge"] as? Int == 3, "\(String(decoding: push.body, as: UTF8.self))")
                    let viaFCM = try #require(try await fcm.waitForDelivered(1).first)
                    #expect(viaFCM.badge == 3, "\(String(decoding: viaFCM.body, as: UTF8.self))")

                    // bob reads the whole first conversation; the next message there makes it 1 + 1.
                    try await api.setReadHorizon(first, "bob", 2)
                    _ = try await api.post("/v1/Conversations/\(first)/Messages", [("Author", "alice"), ("Body", "six")])
                    let next = try #require(try await apns.waitForDelivered(2).last)
                    #expect(next.aps?["badge"] as? Int == 2, "\(String(decoding: next.body, as: UTF8.self))")
                }
            }
        }
    }
}

extension TestAPI {
    /// An FCM credential (`Secret`: the fake's service account JSON); returns its SID.
    func makeFCMCredential(_ fcm: FakeFCMServer) async throws -> String {
        let credential = try await post("/v1/Credentials", [("Type", "fcm"), ("Secret", fcm.serviceAccount.json)])
        #expect(credential.status == .created, "\(credential.text)")
        return try #require(credential["sid"])
    }

    /// An APNs token-auth credential (`.p8` key in `PrivateKey`, key id, team and bundle in `Secret`) the fake APNs of
    /// `PushEndToEndTests.apnsConfiguration` accepts; returns its SID.
    func makeAPNsTokenCredential() async throws -> String {
        typealias E2E = PushEndToEndTests
        let credential = try await post(
            "/v1/Credentials",
            [
                ("Type", "apn"), ("PrivateKey", E2E.apnsKey.pemRepresentation),
                ("Secret", #"{"key_id": "\#(E2E.keyId)", "team_id": "\#(E2E.teamId)", "bundle_id": "\#(E2E.topic)"}"#),
            ])
        #expect(credential.status == .created, "\(credential.text)")
        return try #require(credential["sid"])
    }

    /// Sets `identity`'s read horizon in `conversation` through the REST API.
    func setReadHorizon(_ conversation: String, _ identity: String, _ index: Int) async throws {
        let response = try await post("/v1/Conversations/\(conversation)/Participants/\(identity)", [("LastReadMessageIndex", String(index))])
        #expect(response.status == .ok, "\(response.text)")
    }
}

extension FakeAPNsPush {
    /// `aps.alert.body` (or `aps.alert` when it is a plain string).
    var alertBody: String? {
        (aps?["alert"] as? [String: Any])?["body"] as? String ?? aps?["alert"] as? String
    }
}

extension FakeFCMMessage {
    /// `message.apns.payload.aps.badge`: the badge FCM hands on to iOS devices.
    var badge: Int? {
        (((message?["apns"] as? [String: Any])?["payload"] as? [String: Any])?["aps"] as? [String: Any])?["badge"] as? Int
    }
}
