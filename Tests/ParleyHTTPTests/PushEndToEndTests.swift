import Crypto
import Foundation
import PostgresTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyCore
import PushFakes
import Testing

@testable import ParleyHTTP

/// Pushes end to end: credentials, settings and bindings made over REST, a message posted over REST, the outbox worker,
/// and the fake APNs (HTTP/2, TLS, ES256 provider tokens) and fake FCM (OAuth2 JWT grant, HTTP v1) on loopback. Nothing
/// in the process is mocked: the pushes cross real sockets, the store is a real database (a SQLite file, or PostgreSQL).
@Suite struct PushEndToEndTests {
    static let apnsKey = P256.Signing.PrivateKey()
    static let keyId = "KEY0000001"
    static let teamId = "TEAM000001"
    static let topic = "com.example.parley"
    static func deviceToken(_ n: Int) -> String { String(format: "%064x", n) }
    static func fcmToken(_ name: String) -> String { "fcm-\(name)-registration-token-0123456789" }

    /// Short retries, so a test sees several attempts quickly.
    static let fast = PushWorkerSettings(backoff: Backoff(base: 0.05, cap: 0.2, maxAttempts: 3), attemptTimeout: .seconds(10), pollInterval: .milliseconds(50))

    static var apnsConfiguration: FakeAPNsConfiguration {
        FakeAPNsConfiguration(signingKeys: [keyId: apnsKey.publicKey.pemRepresentation], teamId: teamId, topic: topic)
    }

    @Test func aMessageReachesEveryDeviceOfEveryoneButItsAuthorAndTheMuted() async throws {
        let log = CapturedLog()
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(Self.apnsConfiguration) { apns in
                try await withPushParley(fcm: fcm, apns: apns, logger: log.logger()) { api in
                    let setup = try await PushScenario.make(api, fcm: fcm)
                    let message = try await api.post(
                        "/v1/Conversations/\(setup.conversation)/Messages", [("Author", "alice"), ("Body", "Hello bob")])
                    #expect(message.status == .created, "\(message.text)")

                    // bob has two devices (FCM and APNs); carol muted the conversation; alice wrote the message.
                    let viaFCM = try await fcm.waitForDelivered(1)
                    let viaAPNs = try await apns.waitForDelivered(1)
                    #expect(viaFCM.map(\.token) == [Self.fcmToken("bob")])
                    #expect(viaAPNs.map(\.deviceToken) == [Self.deviceToken(2)])
                    let data = try #require(viaFCM.first?.data)
                    #expect(data["twi_body"] == "alice: Hello bob")
                    #expect(data["twi_message_type"] == "twilio.conversations.new_message")
                    #expect(data["conversation_sid"] == setup.conversation)
                    #expect(data["message_sid"] == message["sid"])
                    #expect(data["message_index"] == "0")
                    #expect(data["twi_sound"] == "ping.caf")
                    let push = try #require(viaAPNs.first)
                    #expect(push.keyId == Self.keyId && push.teamId == Self.teamId)
                    #expect((push.aps?["alert"] as? [String: Any])?["body"] as? String == "alice: Hello bob" || push.aps?["alert"] as? String == "alice: Hello bob")
                    #expect(push.json?["twi_message_type"] as? String == "twilio.conversations.new_message")
                    #expect(push.json?["message_sid"] as? String == message["sid"])

                    try await waitUntil { try await api.pushRows().allSatisfy { $0.status == .delivered } }
                    #expect(try await api.pushRows().count == 2)
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(fcm.messages.count == 1 && apns.pushes.count == 1)  // once each, nothing to carol or alice
                }
                // Nothing secret in any log line, at trace level: no key, no grant, no access token, no whole device token.
                let secrets =
                    [
                        Self.apnsKey.pemRepresentation, FakeServiceAccount.testKeyPEM, Self.fcmToken("bob"), Self.deviceToken(2),
                        Self.fcmToken("carol"),
                    ] + fcm.secretsSeen + apns.pushes.compactMap(\.bearerToken)
                let lines = log.all
                #expect(lines.contains { $0.contains("push delivered") })
                for secret in secrets {
                    let probe = String(secret.replacingOccurrences(of: "-----BEGIN PRIVATE KEY-----", with: "").replacingOccurrences(of: "Bearer ", with: "")
                        .trimmingCharacters(in: .whitespacesAndNewlines).prefix(40))
                    #expect(!lines.contains { $0.contains(probe) }, "a log line holds a secret starting \(probe.prefix(12))")
                }
            }
        }
    }

    @Test func aBindingTheProviderDisownsIsDeletedAndThePushListedAsFailed() async throws {
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(Self.apnsConfiguration) { apns in
                try await withPushParley(fcm: fcm, apns: apns) { api in
                    let setup = try await PushScenario.make(api, fcm: fcm)
                    fcm.answer(Self.fcmToken("bob"), with: .unregistered)
                    apns.answer(Self.deviceToken(2), with: .unregistered)
                    _ = try await api.post("/v1/Conversations/\(setup.conversation)/Messages", [("Author", "alice"), ("Body", "anyone?")])
                    try await waitUntil { try await api.pushRows().allSatisfy { $0.status == .failed } }
                    let service = try await api.defaultServiceSid()
                    for binding in setup.bobBindings {
                        #expect(try await api.get("/v1/Services/\(service)/Bindings/\(binding)").status == .notFound)
                    }
                    let failures = try await api.get("/v1/Push/Failures")
                    #expect(failures.status == .ok, "\(failures.text)")
                    #expect(failures.records.count == 2)
                    for failure in failures.records {
                        #expect(failure["attempts"] as? Int == 1)
                        #expect((failure["last_error"] as? String)?.contains("deleted") == true)
                        #expect((failure["address"] as? String)?.contains(Self.fcmToken("bob")) == false)
                    }
                    #expect(Set(failures.records.compactMap { $0["last_status_code"] as? Int }) == [404, 410])
                    // A second message goes to nobody: bob has no device left.
                    _ = try await api.post("/v1/Conversations/\(setup.conversation)/Messages", [("Author", "alice"), ("Body", "still?")])
                    #expect(try await api.pushRows().count == 2)
                }
            }
        }
    }

    @Test func pushesAreRetriedAfter500And429HonouringRetryAfter() async throws {
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(Self.apnsConfiguration) { apns in
                try await withPushParley(fcm: fcm, apns: apns) { api in
                    let setup = try await PushScenario.make(api, fcm: fcm, apnsDevice: false)
                    fcm.answerNext(1, with: .internalError)
                    fcm.answerNext(1, with: .tooManyRequests(retryAfter: 1))
                    _ = try await api.post("/v1/Conversations/\(setup.conversation)/Messages", [("Author", "alice"), ("Body", "retry me")])
                    let delivered = try await fcm.waitForDelivered(1)
                    #expect(delivered.count == 1)
                    let statuses = fcm.messages.map(\.status)
                    try #require(statuses == [500, 429, 200])  // the times below are read by position
                    let times = fcm.messages.map(\.receivedAt)
                    #expect(times[2] - times[1] >= .seconds(1), "Retry-After: 1 was not waited out")
                    try await waitUntil { try await api.pushRows().first?.status == .delivered }
                    #expect(try await api.pushRows().first?.attempts == 3)
                }
            }
        }
    }

    @Test func afterItsLastAttemptAPushIsListedAsFailed() async throws {
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(Self.apnsConfiguration) { apns in
                try await withPushParley(fcm: fcm, apns: apns) { api in
                    let setup = try await PushScenario.make(api, fcm: fcm, apnsDevice: false)
                    fcm.answer(Self.fcmToken("bob"), with: .internalError)
                    _ = try await api.post("/v1/Conversations/\(setup.conversation)/Messages", [("Author", "alice"), ("Body", "doomed")])
                    try await waitUntil { try await api.pushRows().first?.status == .failed }
                    #expect(fcm.messages.count == 3)  // maxAttempts
                    let failures = try await api.get("/v1/Push/Failures")
                    let failure = try #require(failures.records.first)
                    #expect(failures.records.count == 1)
                    #expect(failure["status"] as? String == "failed" && failure["attempts"] as? Int == 3 && failure["last_status_code"] as? Int == 500)
                    #expect(failure["event_type"] as? String == "new_message" && failure["identity"] as? String == "bob")
                    #expect(failure["binding_type"] as? String == "fcm" && failure["conversation_sid"] as? String == setup.conversation)
                    #expect((failure["last_error"] as? String)?.contains("gave up after 3 attempts") == true)
                    #expect(failures.meta["key"] as? String == "failures")
                    #expect(try await api.get("/v1/Push/Failures", [("Status", "pending")]).records.isEmpty)
                    let bad = try await api.get("/v1/Push/Failures", [("Status", "lost")])
                    #expect(bad.status == .badRequest && bad.code == 20001, "\(bad.text)")
                }
            }
        }
    }

    @Test func aLegacyServerKeyFailsAtOnceWithTheReason() async throws {
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(Self.apnsConfiguration) { apns in
                try await withPushParley(fcm: fcm, apns: apns) { api in
                    let setup = try await PushScenario.make(api, fcm: fcm, apnsDevice: false, fcmSecret: "AAAA-legacy-server-key")
                    _ = try await api.post("/v1/Conversations/\(setup.conversation)/Messages", [("Author", "alice"), ("Body", "old")])
                    try await waitUntil { try await api.pushRows().first?.status == .failed }
                    let failure = try #require(try await api.get("/v1/Push/Failures").records.first)
                    #expect(failure["attempts"] as? Int == 1)
                    #expect((failure["last_error"] as? String)?.contains("legacy API was retired") == true)
                    #expect(fcm.messages.isEmpty && fcm.grantCount == 0)
                }
            }
        }
    }

    @Test func aSecretThatCannotBeOpenedIsRetriedThenListedAsFailedWithTheReason() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-push-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(Self.apnsConfiguration) { apns in
                try await withPushParley(directory: directory, fcm: fcm, apns: apns, runsWorker: false) { api in
                    _ = try await PushScenario.make(api, fcm: fcm, apnsDevice: false)
                }
                // The database now goes with another key than the one that sealed its credentials.
                let keyFile = URL(fileURLWithPath: TestDeployment(directory: directory).secretsKeyFile)
                try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: keyFile)
                try await withPushParley(directory: directory, fcm: fcm, apns: apns) { api in
                    let conversation = try #require(try await api.get("/v1/Conversations").records.first?["sid"] as? String)
                    _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Author", "alice"), ("Body", "sealed")])
                    try await waitUntil { try await api.pushRows().allSatisfy { $0.status == .failed } }
                    let failure = try #require(try await api.get("/v1/Push/Failures").records.first)
                    #expect(failure["attempts"] as? Int == Self.fast.backoff.maxAttempts, "\(failure)")
                    #expect((failure["last_error"] as? String)?.contains("cannot be opened") == true, "\(failure)")
                    #expect(fcm.messages.isEmpty)
                }
            }
        }
    }

    @Test func pushesPendingAtAStopAreDeliveredOnceAfterTheRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-push-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await FakeFCMServer.serving { fcm in
            try await FakeAPNsServer.serving(Self.apnsConfiguration) { apns in
                // The first server has no worker running: the pushes stay pending in the outbox when it stops.
                try await withPushParley(directory: directory, fcm: fcm, apns: apns, runsWorker: false) { api in
                    let setup = try await PushScenario.make(api, fcm: fcm)
                    _ = try await api.post("/v1/Conversations/\(setup.conversation)/Messages", [("Author", "alice"), ("Body", "while you were out")])
                    #expect(try await api.pushRows().map(\.status) == [.pending, .pending])
                }
                #expect(fcm.messages.isEmpty && apns.pushes.isEmpty)
                try await withPushParley(directory: directory, fcm: fcm, apns: apns) { api in
                    _ = try await fcm.waitForDelivered(1)
                    _ = try await apns.waitForDelivered(1)
                    try await waitUntil { try await api.pushRows().allSatisfy { $0.status == .delivered } }
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(fcm.messages.count == 1 && apns.pushes.count == 1)
                    #expect(fcm.delivered.first?.data["twi_body"] == "alice: while you were out")
                }
            }
        }
    }
}

/// A conversation of alice, bob and carol in the default Service, with pushes for new messages enabled: bob has an FCM
/// and (optionally) an APNs device, carol an FCM device but the conversation muted, alice an FCM device.
struct PushScenario {
    var conversation: String
    var bobBindings: [String]

    static func make(_ api: TestAPI, fcm: FakeFCMServer, apnsDevice: Bool = true, fcmSecret: String? = nil) async throws -> PushScenario {
        let service = try await api.defaultServiceSid()
        let fcmCredential = try await api.post("/v1/Credentials", [("Type", "fcm"), ("Secret", fcmSecret ?? fcm.serviceAccount.json)])
        #expect(fcmCredential.status == .created, "\(fcmCredential.text)")
        let fcmSid = try #require(fcmCredential["sid"])
        let settings = try await api.post(
            "/v1/Services/\(service)/Configuration/Notifications",
            [
                ("LogEnabled", "true"), ("NewMessage.Enabled", "true"), ("NewMessage.Template", "${PARTICIPANT}: ${MESSAGE}"),
                ("NewMessage.Sound", "ping.caf"),
            ])
        #expect(settings.status == .ok, "\(settings.text)")
        let conversation = try await api.makeConversation()
        for identity in ["alice", "bob", "carol"] { try await api.join(conversation, identity) }
        let alice = try await api.chatClient("alice")
        let bob = try await api.chatClient("bob")
        let carol = try await api.chatClient("carol")
        try await api.registerDevice(alice, "fcm", PushEndToEndTests.fcmToken("alice"), credential: fcmSid)
        var bobBindings = [try await api.registerDevice(bob, "fcm", PushEndToEndTests.fcmToken("bob"), credential: fcmSid)]
        if apnsDevice {
            bobBindings.append(try await api.registerDevice(bob, "apn", PushEndToEndTests.deviceToken(2), credential: try await api.makeAPNsTokenCredential()))
        }
        try await api.registerDevice(carol, "fcm", PushEndToEndTests.fcmToken("carol"), credential: fcmSid)
        let muted = try await carol.post("/client/v1/Conversations/\(conversation)", [("NotificationLevel", "muted")])
        #expect(muted.status == .ok, "\(muted.text)")
        return PushScenario(conversation: conversation, bobBindings: bobBindings)
    }
}

extension TestAPI {
    /// Every row of the push outbox, whatever its status, in order.
    func pushRows() async throws -> [PushDelivery] {
        var rows: [PushDelivery] = []
        for status in PushDelivery.Status.allCases {
            rows += try await parley.store.read { tx in
                try tx.pushDeliveries(accountSid: TestCredentials.accountSid, status: status, page: PageRequest(size: 1000)).items
            }
        }
        return rows.sorted { $0.seq < $1.seq }
    }
}

/// A server on a real socket over the database of the deployment in `directory` (a fresh one when nil), with the push worker sending to
/// the fakes (when `runsWorker`); `Sandbox` credentials go to `apnsSandbox` when given, else to `apns` too.
func withPushParley(
    directory: URL? = nil, settings: PushWorkerSettings = PushEndToEndTests.fast, fcm: FakeFCMServer, apns: FakeAPNsServer,
    apnsSandbox: FakeAPNsServer? = nil, runsWorker: Bool = true,
    logger: Logger? = nil, _ body: @Sendable (TestAPI) async throws -> Void
) async throws {
    let owned = directory == nil
    let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("parley-push-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { if owned { try? FileManager.default.removeItem(at: directory) } }
    let deployment = TestDeployment(directory: directory)
    let store = try await deployment.migratedStore()
    let parley = Parley(store: store, mediaDirectory: deployment.mediaDirectory, pushSecrets: deployment.pushSecrets)
    _ = try await parley.accounts.bootstrap(sid: TestCredentials.accountSid, authToken: TestCredentials.authToken)
    var quiet = Logger(label: "parley-push-test")
    quiet.logLevel = .error
    let logger = logger ?? quiet
    var worker: PushWorker?
    if runsWorker {
        let senders = try PushSenders.live(
            apns: APNsSettings(productionURL: apns.baseURL, sandboxURL: (apnsSandbox ?? apns).baseURL), fcm: FCMSettings(baseURL: fcm.baseURL),
            extraTrustRootPEM: TestTLSMaterial.caCertificatePEM)
        worker = PushWorker(parley: parley, settings: settings, senders: senders, logger: logger)
    }
    let app = buildApplication(
        parley: parley, settings: ServerSettings(port: 0, publicURL: TestCredentials.publicURL), services: worker.map { [$0] } ?? [], logger: logger)
    try await app.test(.live) { client in
        try await body(TestAPI(client: client, parley: parley))
    }
}
