import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore

/// OAuth2 access tokens for FCM HTTP v1, obtained from a Google service account with the JWT bearer grant (RFC 7523):
/// an RS256 JWT signed with the account's key (`iss` = `client_email`, `scope` = firebase.messaging, `aud` = `token_uri`,
/// `exp` one hour after `iat`) is POSTed to the token endpoint, which answers with `access_token` and `expires_in`.
///
/// Tokens are cached per service account until a minute before they expire, and concurrent pushes through one account
/// share one grant request. Neither the key, the assertion nor the token is ever logged or put in an error.
actor FCMAccessTokens {
    /// The OAuth2 scope FCM sends need.
    static let scope = "https://www.googleapis.com/auth/firebase.messaging"
    /// The grant type of a signed JWT assertion.
    static let grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    /// The assertion's lifetime (Google accepts at most one hour).
    static let assertionLifetime: TimeInterval = 3600
    /// How long before its expiry a cached token is replaced.
    static let refreshMargin: TimeInterval = 60

    /// Why no token could be had.
    enum Failure: Error, Sendable {
        /// The endpoint refused the grant (a bad key, an unknown account): no point trying again soon.
        case refused(statusCode: Int?, reason: String)
        /// The endpoint could not be reached or failed (timeout, 5xx, 429): try again later.
        case unavailable(statusCode: Int?, reason: String, retryAfter: Duration?)
    }

    private struct Account: Hashable {
        var clientEmail: String
        var tokenURL: String
    }

    private struct Token {
        var value: String
        var refreshAt: Date
    }

    private let client: HTTPClient
    private let timeout: Duration
    private let now: @Sendable () -> Date
    private var cached: [Account: Token] = [:]
    private var pending: [Account: Task<Token, any Error>] = [:]

    init(client: HTTPClient, timeout: Duration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.timeout = timeout
        self.now = now
    }

    /// A valid access token for the service account, from the cache or a new grant.
    /// - Parameter tokenURL: where the grant is POSTed: the account's `token_uri`, unless `--fcm-oauth-url` overrides it.
    func token(clientEmail: String, privateKeyPEM: String, tokenURI: String, tokenURL: String) async throws(Failure) -> String {
        let account = Account(clientEmail: clientEmail, tokenURL: tokenURL)
        if let token = cached[account], token.refreshAt > now() { return token.value }
        let task: Task<Token, any Error>
        if let running = pending[account] {
            task = running
        } else {
            let grant = Grant(client: client, timeout: timeout, now: now)
            task = Task { try await grant.request(clientEmail: clientEmail, privateKeyPEM: privateKeyPEM, tokenURI: tokenURI, tokenURL: tokenURL) }
            pending[account] = task
        }
        do {
            let token = try await task.value
            pending[account] = nil
            cached[account] = token
            return token.value
        } catch {
            pending[account] = nil
            throw (error as? Failure) ?? .unavailable(statusCode: nil, reason: "the token request failed", retryAfter: nil)
        }
    }

    /// Forgets the account's cached token (FCM answered 401 to it), so the next push gets a new one.
    func invalidate(clientEmail: String, tokenURL: String) {
        cached[Account(clientEmail: clientEmail, tokenURL: tokenURL)] = nil
    }

    /// One grant request.
    private struct Grant: Sendable {
        let client: HTTPClient
        let timeout: Duration
        let now: @Sendable () -> Date

        func request(clientEmail: String, privateKeyPEM: String, tokenURI: String, tokenURL: String) async throws -> Token {
            let issued = now()
            let assertion: String
            do {
                let keys = JWTKeyCollection()
                await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: privateKeyPEM), digestAlgorithm: .sha256)
                let claims = FCMGrantClaims(
                    iss: clientEmail, scope: FCMAccessTokens.scope, aud: tokenURI, iat: Int64(issued.timeIntervalSince1970),
                    exp: Int64(issued.timeIntervalSince1970 + FCMAccessTokens.assertionLifetime))
                assertion = try await keys.sign(claims, header: ["typ": "JWT"])
            } catch {
                throw Failure.refused(statusCode: nil, reason: "the service account's private_key cannot sign (not an RSA key)")
            }
            var request = HTTPClientRequest(url: tokenURL)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let form = "grant_type=\(PercentEncoding.encode(FCMAccessTokens.grantType))&assertion=\(PercentEncoding.encode(assertion))"
            request.body = .bytes(ByteBuffer(string: form))
            let answer: (status: Int, body: Data, retryAfter: Duration?)
            do {
                let response = try await client.execute(request, timeout: .init(timeout))
                let body = try await response.body.collect(upTo: 64 * 1024)
                answer = (Int(response.status.code), Data(body.readableBytesView), RetryAfter.parse(response.headers.first(name: "Retry-After")))
            } catch {
                throw Failure.unavailable(statusCode: nil, reason: "the OAuth2 token endpoint did not answer (\(type(of: error)))", retryAfter: nil)
            }
            switch answer.status {
            case 200..<300:
                guard let reply = try? JSONDecoder().decode(Reply.self, from: answer.body), !reply.access_token.isEmpty else {
                    throw Failure.unavailable(statusCode: answer.status, reason: "the OAuth2 token endpoint answered without an access_token", retryAfter: nil)
                }
                let lifetime = TimeInterval(reply.expires_in ?? 3600)
                let margin = min(FCMAccessTokens.refreshMargin, lifetime / 2)
                return Token(value: reply.access_token, refreshAt: issued.addingTimeInterval(lifetime - margin))
            case 429, 500...:
                throw Failure.unavailable(statusCode: answer.status, reason: "the OAuth2 token endpoint answered HTTP \(answer.status)", retryAfter: answer.retryAfter)
            default:
                let error = (try? JSONDecoder().decode(ErrorReply.self, from: answer.body)).map { ": \($0.error)" } ?? ""
                throw Failure.refused(statusCode: answer.status, reason: "the OAuth2 token endpoint refused the service account (HTTP \(answer.status)\(error))")
            }
        }
    }

    private struct Reply: Decodable {
        var access_token: String
        var expires_in: Int?
    }

    private struct ErrorReply: Decodable {
        var error: String
    }
}

/// The claims of the JWT bearer grant Google expects from a service account.
struct FCMGrantClaims: JWTPayload, Equatable {
    var iss: String
    var scope: String
    var aud: String
    var iat: Int64
    var exp: Int64

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
