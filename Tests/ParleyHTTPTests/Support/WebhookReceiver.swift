import Foundation
import PostgresTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyCore
import ParleyHTTP
import Synchronization
import Testing

/// One request a test receiver got.
struct ReceivedWebhook: Sendable {
    let method: String
    /// Path and query, e.g. `/hook/a` or `/hook/a?EventType=...`.
    let uri: String
    let path: String
    let headers: [String: String]
    /// The form parameters: of the body (POST) or the query (GET).
    let parameters: [(name: String, value: String)]

    subscript(_ name: String) -> String? { parameters.last { $0.name == name }?.value }
}

/// How a test receiver answers: a status and a body, after an optional delay.
struct ReceiverAnswer: Sendable {
    var status: Int = 200
    var body: String = ""
    var delay: Duration = .zero
}

/// A customer's webhook endpoint played by a small HTTP server on a real port: it records what it receives and answers
/// as the test tells it (per path).
final class WebhookReceiver: Sendable {
    private let state = Mutex<(requests: [ReceivedWebhook], answers: [String: @Sendable (ReceivedWebhook) -> ReceiverAnswer])>(([], [:]))
    fileprivate let listening = Mutex(0)
    /// The local port it listens on.
    var port: Int { listening.withLock { $0 } }

    /// The absolute URL of `path` on this receiver.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Answer requests to `path` with `answer` (default: 200, empty body).
    func answer(_ path: String, _ answer: @escaping @Sendable (ReceivedWebhook) -> ReceiverAnswer) {
        state.withLock { $0.answers[path] = answer }
    }

    var requests: [ReceivedWebhook] { state.withLock { $0.requests } }

    func requests(to path: String) -> [ReceivedWebhook] { requests.filter { $0.path == path } }

    /// Waits until `count` requests to `path` have arrived (failing the test after `seconds`), and returns them.
    @discardableResult
    func wait(for count: Int, to path: String, within seconds: Double = 20) async throws -> [ReceivedWebhook] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let got = requests(to: path)
            if got.count >= count { return got }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("expected \(count) webhook requests to \(path), got \(requests(to: path).count)")
        return requests(to: path)
    }

    func handle(_ request: Request) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let body = try await request.body.collect(upTo: 1 << 20)
        let text = String(buffer: body)
        let query = request.uri.query ?? ""
        let parameters = WebhookForm.decode(request.method == .get ? query : text)
        let received = ReceivedWebhook(
            method: request.method.rawValue, uri: request.uri.description, path: request.uri.path, headers: headers, parameters: parameters)
        let answer = state.withLock { state -> (@Sendable (ReceivedWebhook) -> ReceiverAnswer)? in
            state.requests.append(received)
            return state.answers[received.path]
        }?(received) ?? ReceiverAnswer()
        if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }

    /// Whether the request carries a valid `X-Twilio-Signature` for the test account's auth token, computed as the
    /// helper libraries' `RequestValidator` does (URL, plus the sorted POST parameters).
    func hasValidSignature(_ request: ReceivedWebhook) -> Bool {
        guard let signature = request.headers["x-twilio-signature"] else { return false }
        let url = "http://127.0.0.1:\(port)\(request.uri)"
        return TwilioSignature.isValid(
            signature, url: url, parameters: request.method == "POST" ? request.parameters : [], authToken: TestCredentials.authToken)
    }
}

/// Runs `body` with a webhook receiver listening on a free local port.
func withWebhookReceiver(_ body: @Sendable (WebhookReceiver) async throws -> Void) async throws {
    let receiver = WebhookReceiver()
    let router = Router()
    router.on("hook/:name", method: .post) { request, _ in try await receiver.handle(request) }
    router.on("hook/:name", method: .get) { request, _ in try await receiver.handle(request) }
    var logger = Logger(label: "webhook-receiver")
    logger.logLevel = .warning
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    try await app.test(.live) { client in
        let port = try #require(client.port)
        receiver.listening.withLock { $0 = port }
        try await body(receiver)
    }
}

/// Short retries and a short timeout (still long enough for a loaded test machine), so failure and retry tests run quickly.
let fastWebhookSettings = WebhookSettings(
    timeout: .milliseconds(1500), backoff: Backoff(base: 0.05, cap: 0.2, maxAttempts: 4), maximumConcurrent: 8, pollInterval: .milliseconds(200))

/// Outbound requests as test servers make them: the tests' receivers and media hosts listen on 127.0.0.1, which the
/// default policy refuses, so test servers allow it explicitly (as `parley serve --allow-private-targets 127.0.0.1`).
let loopbackAllowed = OutboundHTTP(policy: OutboundPolicy(allowedNames: [], allowedRanges: [AddressRange("127.0.0.1")!]))

/// Runs `body` against a server with the webhook worker running, over the database of the deployment in `directory` (a
/// fresh one when nil; pass the same directory twice to restart a server on the same data).
func withWebhookParley(
    directory: URL? = nil, settings: WebhookSettings = fastWebhookSettings, outbound: OutboundHTTP = loopbackAllowed,
    _ body: @Sendable (TestAPI) async throws -> Void
) async throws {
    let owned = directory == nil
    let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("parley-webhooks-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { if owned { try? FileManager.default.removeItem(at: directory) } }
    let deployment = TestDeployment(directory: directory)
    let store = try await deployment.migratedStore()
    let parley = Parley(
        store: store, mediaDirectory: deployment.mediaDirectory, webhookSettings: settings, outbound: outbound, pushSecrets: deployment.pushSecrets)
    _ = try await parley.accounts.bootstrap(sid: TestCredentials.accountSid, authToken: TestCredentials.authToken)
    var logger = Logger(label: "parley-webhook-test")
    logger.logLevel = .error
    let worker = WebhookWorker(webhooks: parley.webhooks, logger: logger)
    let app = buildApplication(
        parley: parley, settings: ServerSettings(publicURL: TestCredentials.publicURL), services: [worker], logger: logger)
    try await app.test(.router) { client in
        try await body(TestAPI(client: client, parley: parley))
    }
}

extension TestAPI {
    /// A POST with `X-Twilio-Webhook-Enabled: true`, so the change fires webhooks.
    func postFiring(_ path: String, _ form: [(String, String)] = []) async throws -> TestResponse {
        try await request(.post, path, form, headers: [HTTPFields.Element.Name("X-Twilio-Webhook-Enabled")!: "true"])
    }

    /// Configures the account's post-event webhook: `onMessageAdded` POSTed to `url` (expected to be accepted).
    func sendMessageAddedWebhooks(to url: String) async throws {
        let configured = try await post(
            "/v1/Configuration/Webhooks", [("PostWebhookUrl", url), ("Method", "POST"), ("Filters", "onMessageAdded"), ("Target", "webhook")])
        #expect(configured.status == .ok, "\(configured.text)")
    }

    func deleteFiring(_ path: String) async throws -> TestResponse {
        try await request(.delete, path, headers: [HTTPFields.Element.Name("X-Twilio-Webhook-Enabled")!: "true"])
    }
}
