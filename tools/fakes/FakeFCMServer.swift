import Foundation
import Hummingbird
import JWTKit
import Logging
import NIOCore
import Synchronization

/// One message the fake FCM received, as it arrived.
public struct FakeFCMMessage: Sendable {
    /// `message.token`: the registration token.
    public let token: String
    /// `message.data` (every value a string, as FCM requires).
    public let data: [String: String]
    /// The raw JSON body.
    public let body: Data
    /// The status the fake answered with.
    public let status: Int
    public let receivedAt: ContinuousClock.Instant

    /// `message` as a JSON object.
    public var message: [String: Any]? { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["message"] as? [String: Any] }
}

/// An answer the fake FCM gives instead of accepting a message, with Google's error body.
public struct FakeFCMAnswer: Sendable {
    public var status: Int
    /// `error.status` (`NOT_FOUND`, `INVALID_ARGUMENT`, ...).
    public var googleStatus: String
    /// The `FcmError` detail's `errorCode`.
    public var errorCode: String?
    public var message: String
    /// A `BadRequest` field violation (`message.token`).
    public var field: String?
    /// Seconds, sent as `Retry-After`.
    public var retryAfter: Int?

    public init(status: Int, googleStatus: String, errorCode: String? = nil, message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.googleStatus = googleStatus
        self.errorCode = errorCode
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    /// 404 `UNREGISTERED`: the app was removed, the token expired.
    public static let unregistered = FakeFCMAnswer(status: 404, googleStatus: "NOT_FOUND", errorCode: "UNREGISTERED", message: "Requested entity was not found.")
    /// 400 `INVALID_ARGUMENT` naming the token.
    public static let invalidToken = FakeFCMAnswer(
        status: 400, googleStatus: "INVALID_ARGUMENT", errorCode: "INVALID_ARGUMENT",
        message: "The registration token is not a valid FCM registration token", field: "message.token")
    /// 500 `INTERNAL`.
    public static let internalError = FakeFCMAnswer(status: 500, googleStatus: "INTERNAL", errorCode: "INTERNAL", message: "Internal error encountered.")
    /// 403 `SENDER_ID_MISMATCH`: a refusal that retrying does not fix.
    public static let senderMismatch = FakeFCMAnswer(
        status: 403, googleStatus: "PERMISSION_DENIED", errorCode: "SENDER_ID_MISMATCH", message: "SenderId mismatch")
    /// 429 `QUOTA_EXCEEDED` with a `Retry-After`.
    public static func tooManyRequests(retryAfter: Int) -> FakeFCMAnswer {
        FakeFCMAnswer(
            status: 429, googleStatus: "RESOURCE_EXHAUSTED", errorCode: "QUOTA_EXCEEDED", message: "Quota exceeded.", retryAfter: retryAfter)
    }
}

/// A fake of Google's OAuth2 token endpoint (`POST /token`) and FCM HTTP v1 (`POST /v1/projects/{id}/messages:send`) on
/// 127.0.0.1, plain HTTP/1.1. The token endpoint checks the JWT bearer grant as Google does (the RS256 signature against
/// the service account's public key; `iss`, `scope`, `aud`, `iat`, `exp` at most an hour on) and hands out access
/// tokens; the send endpoint checks the bearer token, the project and the message (a token, string data values),
/// records every message, and can be told to answer `UNREGISTERED`, 500, 429 + `Retry-After` and so on.
public final class FakeFCMServer: Sendable {
    private struct State {
        var messages: [FakeFCMMessage] = []
        var answersByToken: [String: FakeFCMAnswer] = [:]
        var nextAnswers: [FakeFCMAnswer] = []
        var accessTokens: Set<String> = []
        var grants = 0
        var refusedGrants = 0
        var grantAssertions: [String] = []
        var authorizations: [String] = []
    }

    public static let scope = "https://www.googleapis.com/auth/firebase.messaging"

    public let account: FakeServiceAccount
    private let keys: JWTKeyCollection
    private let state = Mutex(State())
    private let listeningPort = Mutex<Int?>(nil)

    private init(account: FakeServiceAccount, keys: JWTKeyCollection) {
        self.account = account
        self.keys = keys
    }

    /// `http://127.0.0.1:PORT`: the FCM base URL to give the sender.
    public var baseURL: String { "http://127.0.0.1:\(listeningPort.withLock { $0 } ?? 0)" }
    /// The token endpoint: a service account's `token_uri`.
    public var tokenURL: String { "\(baseURL)/token" }
    /// The service account the fake accepts; its `token_uri` points at the fake unless one was given.
    public var serviceAccount: FakeServiceAccount {
        var account = self.account
        account.tokenURI = audience
        return account
    }
    /// The `aud` a grant must name: the account's `token_uri` when it was given (the sender then reaches the fake
    /// through `--fcm-oauth-url`), else the fake's own `tokenURL`.
    private var audience: String { account.tokenURI.isEmpty ? tokenURL : account.tokenURI }

    /// Every message received so far, refused ones included, in arrival order.
    public var messages: [FakeFCMMessage] { state.withLock { $0.messages } }
    /// The messages answered 200.
    public var delivered: [FakeFCMMessage] { messages.filter { $0.status == 200 } }
    /// How many grants were answered with an access token, and how many refused.
    public var grantCount: Int { state.withLock { $0.grants } }
    public var refusedGrantCount: Int { state.withLock { $0.refusedGrants } }
    /// Every grant assertion (JWT) and every send's `Authorization` header received: a test checks no log line holds one.
    public var secretsSeen: [String] { state.withLock { $0.grantAssertions + $0.authorizations + Array($0.accessTokens) } }

    /// Answers every later message to `token` with `answer` (nil: accept again).
    public func answer(_ token: String, with answer: FakeFCMAnswer?) {
        state.withLock { $0.answersByToken[token] = answer }
    }

    /// Answers the next `count` messages (whatever their token) with `answer`, after the ones queued before.
    public func answerNext(_ count: Int, with answer: FakeFCMAnswer) {
        state.withLock { $0.nextAnswers += Array(repeating: answer, count: count) }
    }

    /// Revokes every access token handed out: sends with them get 401 `UNAUTHENTICATED`.
    public func revokeAccessTokens() { state.withLock { $0.accessTokens.removeAll() } }

    /// Waits until `count` messages answered 200 have arrived or `timeout` passed, and returns the delivered ones.
    public func waitForDelivered(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [FakeFCMMessage] {
        try await LocalFakeServer.wait(for: count, timeout: timeout) { delivered }
    }

    /// Runs the fake on a free loopback port while `body` runs. A grant's `aud` must be `account.tokenURI`, or the
    /// fake's `tokenURL` when that is empty.
    public static func serving<T>(_ account: FakeServiceAccount = FakeServiceAccount(tokenURI: ""), _ body: (FakeFCMServer) async throws -> T)
        async throws -> T
    {
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: account.privateKeyPEM).publicKey, digestAlgorithm: .sha256)
        let server = FakeFCMServer(account: account, keys: keys)
        let router = Router()
        router.post("token") { request, _ in try await server.grant(request) }
        router.post("v1/projects/:project/**") { request, context in
            try await server.send(request, project: context.parameters.get("project") ?? "", path: request.uri.path)
        }
        var logger = Logger(label: "fake-fcm")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in server.listeningPort.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        return try await LocalFakeServer.run(app, isListening: { server.listeningPort.withLock { $0 } != nil }) { try await body(server) }
    }

    // MARK: - The token endpoint

    private struct GrantClaims: JWTPayload {
        var iss: String?
        var scope: String?
        var aud: String?
        var iat: Int64?
        var exp: Int64?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private func grant(_ request: Request) async throws -> Response {
        let form = Self.formDecode(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true,
            form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let assertion = form["assertion"]
        else { return refuseGrant("unsupported_grant_type", "grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer") }
        state.withLock { $0.grantAssertions.append(assertion) }
        let claims: GrantClaims
        do {
            claims = try await keys.verify(assertion, as: GrantClaims.self)
        } catch {
            return refuseGrant("invalid_grant", "Invalid JWT Signature.")
        }
        let now = Int64(Date().timeIntervalSince1970)
        guard claims.iss == account.clientEmail else { return refuseGrant("invalid_grant", "Invalid issuer") }
        guard claims.scope == Self.scope else { return refuseGrant("invalid_scope", "Invalid OAuth scope") }
        guard claims.aud == audience else { return refuseGrant("invalid_grant", "Invalid JWT: aud") }
        guard let iat = claims.iat, let exp = claims.exp, iat <= now + 60, exp > now, exp - iat <= 3600 else {
            return refuseGrant("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")
        }
        let token = "ya29.fake-\(UUID().uuidString)"
        state.withLock {
            $0.accessTokens.insert(token)
            $0.grants += 1
        }
        return Self.json(200, ["access_token": token, "expires_in": 3599, "token_type": "Bearer"])
    }

    private func refuseGrant(_ error: String, _ description: String) -> Response {
        state.withLock { $0.refusedGrants += 1 }
        return Self.json(400, ["error": error, "error_description": description])
    }

    // MARK: - The send endpoint

    private func send(_ request: Request, project: String, path: String) async throws -> Response {
        let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
        let authorization = request.headers[.authorization] ?? ""
        state.withLock { $0.authorizations.append(authorization) }
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let message = object?["message"] as? [String: Any]
        let token = message?["token"] as? String ?? ""
        let rawData = message?["data"] as? [String: Any] ?? [:]
        let data = rawData.compactMapValues { $0 as? String }
        let answer = state.withLock { state -> FakeFCMAnswer? in
            guard authorization.hasPrefix("Bearer "), state.accessTokens.contains(String(authorization.dropFirst("Bearer ".count))) else {
                return FakeFCMAnswer(
                    status: 401, googleStatus: "UNAUTHENTICATED",
                    message: "Request had invalid authentication credentials. Expected OAuth 2 access token.")
            }
            guard path.hasSuffix("/messages:send") else { return FakeFCMAnswer(status: 404, googleStatus: "NOT_FOUND", message: "Not found") }
            guard project == account.projectId else { return .senderMismatch }
            guard message != nil, !token.isEmpty, data.count == rawData.count else {
                return FakeFCMAnswer(
                    status: 400, googleStatus: "INVALID_ARGUMENT", errorCode: "INVALID_ARGUMENT", message: "Invalid JSON payload received.",
                    field: message == nil ? "message" : token.isEmpty ? "message.token" : "message.data")
            }
            if !state.nextAnswers.isEmpty { return state.nextAnswers.removeFirst() }
            return state.answersByToken[token]
        }
        let status = answer?.status ?? 200
        state.withLock { $0.messages.append(FakeFCMMessage(token: token, data: data, body: body, status: status, receivedAt: .now)) }
        guard let answer else { return Self.json(200, ["name": "projects/\(project)/messages/\(UUID().uuidString)"]) }
        var details: [[String: Any]] = []
        if let code = answer.errorCode { details.append(["@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code]) }
        if let field = answer.field {
            details.append(["@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [["field": field, "description": answer.message]]])
        }
        var response = Self.json(
            answer.status, ["error": ["code": answer.status, "message": answer.message, "status": answer.googleStatus, "details": details]])
        if let retryAfter = answer.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    // MARK: - Helpers

    private static func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json; charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func formDecode(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part) }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
