import Foundation

/// One push the fake APNs server accepted or refused, as it arrived (always over HTTP/2: the fake speaks nothing else).
public struct FakeAPNsPush: Sendable {
    /// The device token from the path `/3/device/{token}`.
    public let deviceToken: String
    /// The request headers, names lowercased (`apns-topic`, `apns-push-type`, `authorization`, ...).
    public let headers: [String: String]
    /// The raw JSON body.
    public let body: Data
    /// The bearer JWT's `kid`, `iss` and `iat`, when token auth was used and the token's signature checked out.
    public let keyId: String?
    public let teamId: String?
    public let issuedAt: Int?
    /// The status the fake answered with.
    public let status: Int
    /// When it arrived (the benchmark's end of "message POST to APNs").
    public let receivedAt: ContinuousClock.Instant

    /// The body as a JSON object (nil when it is not one).
    public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    /// The `aps` dictionary of the body.
    public var aps: [String: Any]? { json?["aps"] as? [String: Any] }
    /// The bearer token as sent (tests compare tokens across pushes to see caching and refresh).
    public var bearerToken: String? {
        guard let value = headers["authorization"], value.hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst("bearer ".count))
    }
}

/// An answer the fake is told to give instead of checking the push: APNs' status, `reason` and `Retry-After`.
public struct FakeAPNsAnswer: Sendable {
    public var status: Int
    public var reason: String?
    /// Seconds, sent as `Retry-After`.
    public var retryAfter: Int?

    public init(status: Int, reason: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.reason = reason
        self.retryAfter = retryAfter
    }

    /// 410 `Unregistered`: the app was removed from the device.
    public static let unregistered = FakeAPNsAnswer(status: 410, reason: "Unregistered")
    /// 400 `BadDeviceToken`.
    public static let badDeviceToken = FakeAPNsAnswer(status: 400, reason: "BadDeviceToken")
    /// 500 `InternalServerError`.
    public static let internalServerError = FakeAPNsAnswer(status: 500, reason: "InternalServerError")
    /// 503 `ServiceUnavailable`.
    public static let serviceUnavailable = FakeAPNsAnswer(status: 503, reason: "ServiceUnavailable")
    /// 403 `ExpiredProviderToken`.
    public static let expiredProviderToken = FakeAPNsAnswer(status: 403, reason: "ExpiredProviderToken")
    /// 429 `TooManyRequests` with a `Retry-After`.
    public static func tooManyRequests(retryAfter: Int) -> FakeAPNsAnswer {
        FakeAPNsAnswer(status: 429, reason: "TooManyRequests", retryAfter: retryAfter)
    }
}

/// What the fake accepts: the provider keys it knows, the team, the app's topic, and whether connections must present a
/// client certificate signed by the test CA (certificate auth) instead of a bearer JWT.
public struct FakeAPNsConfiguration: Sendable {
    /// Public keys (PEM) of the `.p8` signing keys, by key id.
    public var signingKeys: [String: String]
    public var teamId: String
    /// The bundle id pushes must name in `apns-topic`.
    public var topic: String
    public var requireClientCertificate: Bool
    /// A bearer token older than this is answered 403 `ExpiredProviderToken`, as APNs does after an hour.
    public var maximumTokenAge: Duration

    public init(
        signingKeys: [String: String] = [:], teamId: String = "TEAM000001", topic: String = "com.example.parley",
        requireClientCertificate: Bool = false, maximumTokenAge: Duration = .seconds(3600)
    ) {
        self.signingKeys = signingKeys
        self.teamId = teamId
        self.topic = topic
        self.requireClientCertificate = requireClientCertificate
        self.maximumTokenAge = maximumTokenAge
    }
}
