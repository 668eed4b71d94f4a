import Foundation
import PostgresTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyCore
import ParleyHTTP
import Synchronization
import Testing

/// Plays Twilio's Messages API on a local port: records each `POST .../Messages.json` form and answers with the
/// next scripted status (201 once the script is used up). A `To` of `FakeTwilio.hangingNumber` never answers in time.
final class FakeTwilio: Sendable {
    static let accountSid = "AC99999999999999999999999999999999"
    static let authToken = "fake-twilio-token"
    static let hangingNumber = "+15550009999"

    struct Sent: Sendable {
        let form: [String: [String]]
        let authorization: String?
        subscript(_ name: String) -> String? { form[name]?.last }
    }

    private let state = Mutex<(script: [Int], sent: [Sent])>(([], []))
    private let gateway = Mutex<[(body: String, idempotencyToken: String?)]>([])

    /// The JSON bodies the generic gateway route (`POST /gateway`) received, with their idempotency tokens.
    var gatewayPosts: [(json: [String: Any], idempotencyToken: String?)] {
        gateway.withLock { $0 }.map { post in
            ((try? JSONSerialization.jsonObject(with: Data(post.body.utf8))) as? [String: Any] ?? [:], post.idempotencyToken)
        }
    }

    /// Statuses to answer with, in order, before the default 201.
    func script(_ statuses: [Int]) { state.withLock { $0.script = statuses } }
    var sent: [Sent] { state.withLock { $0.sent } }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("2010-04-01/Accounts/:account/Messages.json") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var form: [String: [String]] = [:]
            for field in String(buffer: body).split(separator: "&") {
                let parts = field.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
                form[parts[0], default: []].append(parts.count > 1 ? parts[1] : "")
            }
            if form["To"]?.last == Self.hangingNumber {
                try? await Task.sleep(for: .seconds(2))
                return Response(status: .internalServerError)
            }
            let sent = Sent(form: form, authorization: request.headers[.authorization])
            let status = self.state.withLock { state -> Int in
                state.sent.append(sent)
                return state.script.isEmpty ? 201 : state.script.removeFirst()
            }
            let sid = ChannelSID.make(ChannelSID.channelMessage)
            let json: String =
                switch status {
                case 201: #"{"sid":"\#(sid)","status":"queued"}"#
                case 400: #"{"code":21211,"message":"The 'To' number is not a valid phone number.","status":400}"#
                default: #"{"code":20500,"message":"Internal error","status":\#(status)}"#
                }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.post("gateway") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let text = String(buffer: body)
            let token = request.headers[HTTPFields.Element.Name("I-Twilio-Idempotency-Token")!]
            self.gateway.withLock { $0.append((text, token)) }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: #"{"sid":"SM0123456789abcdef0123456789abcdef"}"#)))
        }
        return router
    }

    /// Runs the fake on a free port; `body` gets its base URL.
    func run(_ body: @Sendable (String) async throws -> Void) async throws {
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(try #require(client.port))")
        }
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Int64>
    init(_ start: Timestamp = .now) { current = Mutex(start.secondsSince1970) }
    var now: Timestamp { Timestamp(secondsSince1970: current.withLock { $0 }) }
    func advance(seconds: Int64) { current.withLock { $0 += seconds } }
}

/// Runs `body` against a server over the database of the deployment in `directory` (a fresh one by default; pass the
/// same directory twice to restart a server on the same data), with a `ChannelWorker` over the transport
/// `makeTransport` builds (none when nil: deliveries stay pending).
func withChannelParley(
    directory: URL? = nil, clock: TestClock? = nil, backoff: Backoff = Backoff(base: 0.01, cap: 0.05, maxAttempts: 4), outbound: OutboundHTTP = loopbackAllowed,
    makeTransport: (@Sendable (Store) -> any ChannelTransport)? = { SandboxTransport(store: $0) },
    _ body: @Sendable (TestAPI) async throws -> Void
) async throws {
    let folder = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("parley-channels-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { if directory == nil { try? FileManager.default.removeItem(at: folder) } }
    let deployment = TestDeployment(directory: folder)
    let store = try await deployment.migratedStore()
    let now: @Sendable () -> Timestamp = { clock?.now ?? .now }
    let parley = Parley(store: store, mediaDirectory: deployment.mediaDirectory, outbound: outbound, pushSecrets: deployment.pushSecrets, now: now)
    _ = try await parley.accounts.bootstrap(sid: TestCredentials.accountSid, authToken: TestCredentials.authToken)
    var logger = Logger(label: "parley-channel-test")
    logger.logLevel = .warning
    let services: [ChannelWorker] = makeTransport.map { make in
        [ChannelWorker(store: store, transport: make(store), backoff: backoff, pollInterval: .milliseconds(20), logger: logger)]
    } ?? []
    let app = buildApplication(parley: parley, settings: ServerSettings(publicURL: TestCredentials.publicURL), services: services, logger: logger)
    try await app.test(.router) { client in
        try await body(TestAPI(client: client, parley: parley))
    }
}

extension TestAPI {
    /// POSTs `form` to an inbound webhook path signed as Twilio signs it (with the test account's auth token).
    func inbound(_ form: [(String, String)], path: String = "/inbound/messaging", signature: String? = nil) async throws -> TestResponse {
        let signed = signature
            ?? TwilioSignature.compute(
                url: TestCredentials.publicURL + path, parameters: form.map { (name: $0.0, value: $0.1) }, authToken: TestCredentials.authToken)
        return try await authenticated(as: nil).request(.post, path, form, headers: [HTTPFields.Element.Name("X-Twilio-Signature")!: signed])
    }

    /// Twilio's incoming-message form.
    static func incoming(from: String, to: String, body: String, sid: String = ChannelSID.make(ChannelSID.channelMessage)) -> [(String, String)] {
        [
            ("AccountSid", TestCredentials.accountSid), ("MessageSid", sid), ("SmsMessageSid", sid), ("From", from), ("To", to), ("Body", body),
            ("NumMedia", "0"), ("NumSegments", "1"), ("ApiVersion", "2010-04-01"),
        ]
    }

    /// Adds a messaging participant and returns its SID.
    func addMessagingParticipant(_ conversation: String, address: String, proxy: String) async throws -> String {
        let response = try await post(
            "/v1/Conversations/\(conversation)/Participants", [("MessagingBinding.Address", address), ("MessagingBinding.ProxyAddress", proxy)])
        #expect(response.status == .created, "\(response.text)")
        return try #require(response["sid"])
    }

    /// The receipts of a message.
    func receipts(_ conversation: String, _ message: String) async throws -> [[String: Any]] {
        try await get("/v1/Conversations/\(conversation)/Messages/\(message)/Receipts").records
    }
}

/// Waits until `condition` holds (checking every 20 ms, giving up after `limit`); returns whether it did.
func eventually(_ limit: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
