/// A push credential (`/v1/Credentials`, `CR...`): which provider it is for and its public fields. The secret
/// material is not here: it is sealed in `push_credentials.secret` and opened only for sending (`PushSecretBox`).
public struct PushCredential: Sendable, Equatable {
    /// `Type`: the push service the credential is for.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Apple Push Notification service (certificate or token auth).
        case apn
        /// Firebase Cloud Messaging (HTTP v1 service account, or a legacy server key).
        case fcm
        /// Google Cloud Messaging: retired by Google; kept as a legacy server key.
        case gcm
    }

    public var sid: String
    public var accountSid: String
    public var friendlyName: String?
    public var type: Kind
    /// `Sandbox` (APNs): send to the development host.
    public var sandbox: Bool
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp

    public init(sid: String, accountSid: String, friendlyName: String?, type: Kind, sandbox: Bool, dateCreated: Timestamp, dateUpdated: Timestamp) {
        self.sid = sid
        self.accountSid = accountSid
        self.friendlyName = friendlyName
        self.type = type
        self.sandbox = sandbox
        self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated
    }
}
