/// One push to one device, as the outbox worker hands it to a provider's sender.
public struct PushAttempt: Sendable {
    public var notification: PushNotification
    /// The device token (APNs) or registration token (FCM): `push_bindings.address`.
    public var address: String
    public var credential: PushCredentialSecret
    /// `Sandbox` on an APNs credential: send to the development host.
    public var sandbox: Bool
    /// The recipient's unread count when `notification.badgeCountEnabled`, else nil.
    public var badge: Int?

    public init(notification: PushNotification, address: String, credential: PushCredentialSecret, sandbox: Bool, badge: Int? = nil) {
        self.notification = notification
        self.address = address
        self.credential = credential
        self.sandbox = sandbox
        self.badge = badge
    }
}

/// How a provider answered one push, as the outbox worker acts on it.
public enum PushOutcome: Sendable, Equatable {
    /// Accepted (APNs 200, FCM 200).
    case delivered
    /// Try again later: a timeout, a connection failure, 5xx or 429; `after` is the provider's `Retry-After`, if any.
    case retry(statusCode: Int?, reason: String, after: Duration?)
    /// The device address is gone (APNs 410 / `BadDeviceToken` / `Unregistered`, FCM `UNREGISTERED` or
    /// `INVALID_ARGUMENT` about the token): the binding is deleted and the push is not retried.
    case unregistered(statusCode: Int, reason: String)
    /// Refused for good (bad credential, payload too large, ...): the push is failed at once.
    case failed(statusCode: Int?, reason: String)
}

/// Sends pushes through one provider (APNs or FCM). Implementations speak the provider's real protocol over
/// AsyncHTTPClient; their base URLs are options, so tests and air-gapped deployments point them elsewhere.
public protocol PushSender: Sendable {
    func send(_ attempt: PushAttempt) async -> PushOutcome
}
