import AsyncHTTPClient
import Foundation
import NIOCore

/// Where FCM pushes go: the send API's base and, optionally, a token endpoint that replaces every service account's
/// `token_uri` (`parley serve --fcm-url`, `--fcm-oauth-url`; tests and air-gapped deployments point them elsewhere).
public struct FCMSettings: Sendable {
    public var baseURL: String
    public var oauthURL: String?
    /// How long one request (the token grant, the send) may take.
    public var timeout: Duration

    public init(baseURL: String = "https://fcm.googleapis.com", oauthURL: String? = nil, timeout: Duration = .seconds(10)) {
        self.baseURL = baseURL
        self.oauthURL = oauthURL
        self.timeout = timeout
    }
}

/// Sends pushes through FCM HTTP v1 (`POST {base}/v1/projects/{project_id}/messages:send`) with an OAuth2 access token
/// from the credential's service account (`FCMAccessTokens`).
///
/// As Twilio does for Conversations, a push is a data message: the rendered text is `data.twi_body`, the sound
/// `data.twi_sound`, beside Twilio's keys (`twi_message_type`, `conversation_sid`, ...), which is what the client SDKs
/// parse; `android.priority` is `high` so the app is woken. A badge (when `BadgeCountEnabled`) goes in the `apns`
/// override, for iOS apps that receive through FCM.
///
/// Answers: 200 delivered; 404 `UNREGISTERED` or 400 `INVALID_ARGUMENT` about the token: unregistered; 401: the
/// cached access token is dropped and the send tried once more with a new one; 429, 5xx, timeouts: retry (with
/// `Retry-After`); any other 4xx: failed. A legacy server key fails at once: Google retired that API.
public struct FCMSender: PushSender {
    static let legacyRetired = "the FCM legacy API was retired; use a service account (the Secret of an fcm credential)"

    let client: HTTPClient
    let settings: FCMSettings
    let tokens: FCMAccessTokens

    /// Sends through the process-wide `HTTPClient.shared`.
    public init(settings: FCMSettings = FCMSettings(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(client: .shared, settings: settings, now: now)
    }

    /// - Parameter client: the HTTP client requests go through; its owner shuts it down.
    public init(client: HTTPClient, settings: FCMSettings = FCMSettings(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.settings = settings
        self.tokens = FCMAccessTokens(client: client, timeout: settings.timeout, now: now)
    }

    public func send(_ attempt: PushAttempt) async -> PushOutcome {
        switch attempt.credential {
        case .fcmServiceAccount(let projectId, let clientEmail, let privateKeyPEM, let tokenURI):
            let account = ServiceAccount(projectId: projectId, clientEmail: clientEmail, privateKeyPEM: privateKeyPEM, tokenURI: tokenURI)
            let outcome = await send(attempt, through: account)
            guard case .retry(401, _, _) = outcome else { return outcome }
            // A stale or revoked access token: forget it and try once more with a new one.
            await tokens.invalidate(clientEmail: clientEmail, tokenURL: account.tokenURL(settings))
            return await send(attempt, through: account)
        case .legacyServerKey:
            return .failed(statusCode: nil, reason: Self.legacyRetired)
        case .apnsToken, .apnsCertificate:
            return .failed(statusCode: nil, reason: "an apn credential cannot send to an fcm binding")
        }
    }

    private struct ServiceAccount {
        var projectId: String
        var clientEmail: String
        var privateKeyPEM: String
        var tokenURI: String

        func tokenURL(_ settings: FCMSettings) -> String { settings.oauthURL ?? tokenURI }
    }

    private func send(_ attempt: PushAttempt, through account: ServiceAccount) async -> PushOutcome {
        let accessToken: String
        do {
            accessToken = try await tokens.token(
                clientEmail: account.clientEmail, privateKeyPEM: account.privateKeyPEM, tokenURI: account.tokenURI,
                tokenURL: account.tokenURL(settings))
        } catch {
            switch error {
            case .refused(let status, let reason): return .failed(statusCode: status, reason: reason)
            case .unavailable(let status, let reason, let after): return .retry(statusCode: status, reason: reason, after: after)
            }
        }
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        var request = HTTPClientRequest(url: "\(base)/v1/projects/\(PercentEncoding.encode(account.projectId))/messages:send")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
        request.body = .bytes(ByteBuffer(bytes: FCMMessage.body(for: attempt)))
        do {
            let response = try await client.execute(request, timeout: .init(settings.timeout))
            let body = try await response.body.collect(upTo: 64 * 1024)
            return Self.outcome(
                status: Int(response.status.code), body: Data(body.readableBytesView), retryAfter: RetryAfter.parse(response.headers.first(name: "Retry-After")))
        } catch {
            return .retry(statusCode: nil, reason: "FCM did not answer (\(Self.describe(error)))", after: nil)
        }
    }

    /// What an FCM answer means for the push.
    static func outcome(status: Int, body: Data, retryAfter: Duration?) -> PushOutcome {
        let error = FCMErrorReply.decode(body)
        let detail = error.map { " \($0.summary)" } ?? ""
        switch status {
        case 200..<300:
            return .delivered
        case 404 where error?.errorCode == "UNREGISTERED" || error?.status == "NOT_FOUND":
            return .unregistered(statusCode: status, reason: "FCM: the registration token is no longer valid (HTTP 404\(detail))")
        case 400 where error?.isAboutToken == true:
            return .unregistered(statusCode: status, reason: "FCM: the registration token is not valid (HTTP 400\(detail))")
        case 401:
            return .retry(statusCode: status, reason: "FCM refused the access token (HTTP 401\(detail))", after: retryAfter)
        case 408, 429, 500...:
            return .retry(statusCode: status, reason: "FCM answered HTTP \(status)\(detail)", after: retryAfter)
        default:
            return .failed(statusCode: status, reason: "FCM refused the push (HTTP \(status)\(detail))")
        }
    }

    /// An error's kind without its text (which may quote a URL); enough to tell a timeout from a refused connection.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return "\(type(of: error))"
    }
}

/// The JSON body of an FCM HTTP v1 send.
enum FCMMessage {
    static func body(for attempt: PushAttempt) -> Data {
        let notification = attempt.notification
        var data = notification.data
        data["twi_message_type"] = data["twi_message_type"] ?? notification.kind.twilioMessageType
        data["twi_body"] = notification.body
        if let sound = notification.sound { data["twi_sound"] = sound }
        var message: [String: Any] = ["token": attempt.address, "data": data, "android": ["priority": "high"]]
        if let badge = attempt.badge { message["apns"] = ["payload": ["aps": ["badge": badge]]] }
        return (try? JSONSerialization.data(withJSONObject: ["message": message], options: [.sortedKeys])) ?? Data()
    }
}

/// FCM's error body: `{"error": {"code", "message", "status", "details": [{"@type": ...FcmError, "errorCode"}, ...]}}`.
struct FCMErrorReply {
    var status: String?
    var message: String?
    /// The `FcmError` detail's `errorCode` (`UNREGISTERED`, `INVALID_ARGUMENT`, `QUOTA_EXCEEDED`, ...).
    var errorCode: String?
    /// The fields a `BadRequest` detail names (`message.token`).
    var fields: [String]

    static func decode(_ body: Data) -> FCMErrorReply? {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any], let error = object["error"] as? [String: Any] else {
            return nil
        }
        var reply = FCMErrorReply(status: error["status"] as? String, message: error["message"] as? String, errorCode: nil, fields: [])
        for detail in error["details"] as? [[String: Any]] ?? [] {
            if let code = detail["errorCode"] as? String { reply.errorCode = code }
            for violation in detail["fieldViolations"] as? [[String: Any]] ?? [] {
                if let field = violation["field"] as? String { reply.fields.append(field) }
            }
        }
        return reply
    }

    /// An `INVALID_ARGUMENT` that names the registration token (not, say, a too-large payload).
    var isAboutToken: Bool {
        guard errorCode == "INVALID_ARGUMENT" || status == "INVALID_ARGUMENT" else { return false }
        return fields.contains("message.token") || (message?.lowercased().contains("registration token") ?? false)
    }

    /// `UNREGISTERED: Requested entity was not found.`, for the failure log (FCM's text names no secret).
    var summary: String {
        [errorCode ?? status, message.map { String($0.prefix(200)) }].compactMap { $0 }.joined(separator: ": ")
    }
}
