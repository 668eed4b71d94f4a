import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// Sends pushes through Apple's provider API: `POST {base}/3/device/{token}` over HTTP/2 (AsyncHTTPClient negotiates h2
/// with ALPN), to the sandbox host when the credential has `Sandbox`.
///
/// Token auth signs with a cached ES256 provider token (`APNsProviderTokens`) in `authorization: bearer`; certificate
/// auth puts the credential's certificate and key in the TLS configuration (one per credential, cached, so each
/// credential has its own connection pool in the client) and sends no bearer. Headers: `apns-topic` (the credential's
/// bundle id), `apns-push-type: alert`, `apns-priority: 10`, `apns-expiration`. The body is `APNsPayload`.
///
/// Answers map as `APNsAnswer` says; a 403 `InvalidProviderToken`/`ExpiredProviderToken` drops the cached token and the
/// push is tried once more with a new one. Timeouts and connection failures are retried later. Nothing here logs, and
/// no outcome carries the device token, the key or the JWT.
public struct APNsSender: PushSender {
    let client: HTTPClient
    let settings: APNsSettings
    let tokens: APNsProviderTokens
    let tls: APNsTLSConfigurations

    /// - Parameters:
    ///   - client: the HTTP client requests go through (its owner shuts it down); its configuration's `httpVersion`
    ///     must allow HTTP/2 (the default, `.automatic`, does).
    ///   - now: the clock provider tokens are dated and aged by.
    /// - Throws: when `settings.extraTrustRootPEM` is not a PEM certificate.
    public init(client: HTTPClient, settings: APNsSettings = APNsSettings(), now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.client = client
        self.settings = settings
        self.tokens = APNsProviderTokens(refreshAge: settings.tokenRefreshAge, now: now)
        self.tls = try APNsTLSConfigurations(extraTrustRootPEM: settings.extraTrustRootPEM)
    }

    public func send(_ attempt: PushAttempt) async -> PushOutcome {
        switch attempt.credential {
        case .apnsToken(let privateKeyPEM, let keyId, let teamId, let topic):
            let outcome = await sendWithToken(attempt, privateKeyPEM: privateKeyPEM, keyId: keyId, teamId: teamId, topic: topic)
            guard case .providerTokenRefused(let token) = outcome else { return outcome.pushOutcome }
            // A token APNs no longer takes (expired, or refused): forget it and try once more with a new one.
            await tokens.invalidate(token, keyId: keyId, teamId: teamId, privateKeyPEM: privateKeyPEM)
            return await sendWithToken(attempt, privateKeyPEM: privateKeyPEM, keyId: keyId, teamId: teamId, topic: topic).pushOutcome
        case .apnsCertificate(let certificatePEM, let privateKeyPEM, let topic):
            let configuration: TLSConfiguration
            do {
                configuration = try await tls.configuration(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM)
            } catch {
                return .failed(statusCode: nil, reason: "the APNs certificate or its private key is not usable PEM")
            }
            return await post(attempt, topic: topic, bearer: nil, tls: configuration).pushOutcome
        case .fcmServiceAccount, .legacyServerKey:
            return .failed(statusCode: nil, reason: "an fcm credential cannot send to an apn binding")
        }
    }

    /// What one request came to: an outcome, or APNs refusing the provider token it carried.
    enum Attempted {
        case answered(PushOutcome)
        case providerTokenRefused(String)

        var pushOutcome: PushOutcome {
            switch self {
            case .answered(let outcome): outcome
            case .providerTokenRefused: .failed(statusCode: 403, reason: "APNs refused the provider token")
            }
        }
    }

    private func sendWithToken(_ attempt: PushAttempt, privateKeyPEM: String, keyId: String, teamId: String, topic: String) async -> Attempted {
        let token: String
        do {
            token = try await tokens.token(privateKeyPEM: privateKeyPEM, keyId: keyId, teamId: teamId)
        } catch {
            return .answered(.failed(statusCode: nil, reason: error.reason))
        }
        return await post(attempt, topic: topic, bearer: token, tls: tls.base)
    }

    private func post(_ attempt: PushAttempt, topic: String, bearer: String?, tls: TLSConfiguration) async -> Attempted {
        guard let body = APNsPayload.encode(attempt.notification, badge: attempt.badge) else {
            return .answered(.failed(statusCode: nil, reason: "the notification's data keys alone exceed APNs' 4 KB limit"))
        }
        guard let token = attempt.address.addingPercentEncoding(withAllowedCharacters: .alphanumerics), !token.isEmpty else {
            return .answered(.unregistered(statusCode: 400, reason: "BadDeviceToken"))
        }
        var request = HTTPClientRequest(url: settings.baseURL(sandbox: attempt.sandbox) + "/3/device/" + token)
        request.method = .POST
        request.tlsConfiguration = tls
        if let bearer { request.headers.add(name: "authorization", value: "bearer \(bearer)") }
        request.headers.add(name: "apns-topic", value: topic)
        request.headers.add(name: "apns-push-type", value: "alert")
        request.headers.add(name: "apns-priority", value: "10")
        request.headers.add(name: "apns-expiration", value: String(Int(Date().timeIntervalSince1970) + Int(settings.expiration.components.seconds)))
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .init(settings.timeout))
            let answer = try await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            let reason = APNsAnswer.reason(in: Data(answer.readableBytesView))
            if let bearer, APNsAnswer.isProviderTokenRefusal(status: status, reason: reason) { return .providerTokenRefused(bearer) }
            return .answered(APNsAnswer.outcome(status: status, reason: reason, retryAfter: response.headers.first(name: "retry-after")))
        } catch {
            return .answered(.retry(statusCode: nil, reason: Self.describe(error), after: nil))
        }
    }

    /// A transport failure, named without the request's URL (which holds the device token).
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout:
            "APNs did not answer in time"
        case is NIOSSLError:
            "TLS with APNs failed"
        default:
            "could not reach APNs (\(type(of: error)))"
        }
    }
}
