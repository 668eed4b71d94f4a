import Foundation
import PostgresTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyCore
import ParleyHTTP
import Testing

/// The credentials every test server's account is created with.
enum TestCredentials {
    static let accountSid = "AC11111111111111111111111111111111"
    static let authToken = "test-auth-token"
    static let publicURL = "http://parley.test"
}

/// One answered request: status, headers and the body as text and (when it is JSON) as a dictionary.
struct TestResponse: @unchecked Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// A string field of the JSON body.
    subscript(_ key: String) -> String? { json[key] as? String }

    /// The records of a list page, under `meta.key`.
    var records: [[String: Any]] {
        guard let meta = json["meta"] as? [String: Any], let key = meta["key"] as? String else { return [] }
        return json[key] as? [[String: Any]] ?? []
    }

    var meta: [String: Any] { json["meta"] as? [String: Any] ?? [:] }

    /// The Twilio error code of an error body.
    var code: Int? { json["code"] as? Int }
}

/// A client for one test server: form-encoded requests with the test account's Basic credentials.
struct TestAPI: Sendable {
    let client: any TestClientProtocol
    let parley: Parley
    var authorization: String? = "Basic " + Data("\(TestCredentials.accountSid):\(TestCredentials.authToken)".utf8).base64EncodedString()

    /// Sends `form` as the body of a POST, or as the query string of any other method.
    func request(_ method: HTTPRequest.Method, _ path: String, _ form: [(String, String)] = [], headers extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = extra
        if let authorization { headers[.authorization] = authorization }
        let encoded = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var uri = path
        var body: ByteBuffer?
        if method == .post {
            if headers[.contentType] == nil { headers[.contentType] = "application/x-www-form-urlencoded" }
            body = ByteBuffer(string: encoded)
        } else if !encoded.isEmpty {
            uri += (uri.contains("?") ? "&" : "?") + encoded
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            TestResponse(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    func get(_ path: String, _ query: [(String, String)] = []) async throws -> TestResponse { try await request(.get, path, query) }
    func post(_ path: String, _ form: [(String, String)] = []) async throws -> TestResponse { try await request(.post, path, form) }
    func delete(_ path: String) async throws -> TestResponse { try await request(.delete, path) }

    /// GET of an absolute URL the API returned (a `next_page_url`), as twilio-python follows it.
    func follow(_ url: String) async throws -> TestResponse {
        #expect(url.hasPrefix(TestCredentials.publicURL))
        return try await get(String(url.dropFirst(TestCredentials.publicURL.count)))
    }

    /// The same client with other credentials (nil: none at all).
    func authenticated(as authorization: String?) -> TestAPI {
        var copy = self
        copy.authorization = authorization
        return copy
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }

    /// Creates a Service and returns its SID.
    func makeService(_ name: String = "Test Service") async throws -> String {
        let response = try await post("/v1/Services", [("FriendlyName", name)])
        #expect(response.status == .created)
        return try #require(response["sid"])
    }

    /// Creates a conversation under `root` (`/v1` or `/v1/Services/IS...`) and returns its SID.
    func makeConversation(_ root: String = "/v1", _ form: [(String, String)] = []) async throws -> String {
        let response = try await post("\(root)/Conversations", form)
        #expect(response.status == .created, "\(response.text)")
        return try #require(response["sid"])
    }
}

/// Runs `body` against a server over a fresh database of the suite's engine (a SQLite file in WAL mode, as in
/// production, or a PostgreSQL database; `engine` picks one for a test of that engine's own features), through
/// Hummingbird's in-process test client, then removes its folder. `now` is the domain's clock (tests that need time to
/// pass move it instead of sleeping).
func withParley(
    engine: TestEngine = .current, mediaLimits: MediaLimits = MediaLimits(), now: @escaping @Sendable () -> Timestamp = { .now },
    _ body: @Sendable (TestAPI) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let deployment = TestDeployment(directory: directory, engine: engine)
    let store = try await deployment.migratedStore()
    let parley = Parley(
        store: store, mediaDirectory: deployment.mediaDirectory, mediaLimits: mediaLimits, pushSecrets: deployment.pushSecrets, now: now)
    _ = try await parley.accounts.bootstrap(sid: TestCredentials.accountSid, authToken: TestCredentials.authToken)
    var logger = Logger(label: "parley-test")
    logger.logLevel = .warning
    let app = buildApplication(parley: parley, settings: ServerSettings(publicURL: TestCredentials.publicURL), logger: logger)
    try await app.test(.router) { client in
        try await body(TestAPI(client: client, parley: parley))
    }
}
