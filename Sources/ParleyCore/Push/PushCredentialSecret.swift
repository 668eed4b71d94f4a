/// The secret material of a push credential, as the senders use it. Stored sealed in `push_credentials.secret`
/// (see `PushSecretBox`); never rendered, never logged (its `description` says only which kind it is).
public enum PushCredentialSecret: Sendable, Equatable, Codable, CustomStringConvertible {
    /// APNs token auth: a `.p8` signing key (PEM), its key id and the developer team id; pushes are signed with an
    /// ES256 JWT. `topic` is the app's bundle id (`apns-topic`).
    case apnsToken(privateKeyPEM: String, keyId: String, teamId: String, topic: String)
    /// APNs certificate auth: the client certificate and its private key (PEM). `topic` is the bundle id read from the
    /// certificate's subject UID.
    case apnsCertificate(certificatePEM: String, privateKeyPEM: String, topic: String)
    /// FCM HTTP v1: a Google service account (the JSON file's `project_id`, `client_email`, `private_key` PEM and
    /// `token_uri`); an OAuth2 access token is obtained with an RS256 JWT grant.
    case fcmServiceAccount(projectId: String, clientEmail: String, privateKeyPEM: String, tokenURI: String)
    /// FCM/GCM legacy server key (`Secret` that is not a service account, or `ApiKey` for `gcm`): kept, but Google
    /// retired the legacy API, so pushes through it fail (see the README).
    case legacyServerKey(String)

    public var description: String {
        switch self {
        case .apnsToken: "apnsToken(<redacted>)"
        case .apnsCertificate: "apnsCertificate(<redacted>)"
        case .fcmServiceAccount: "fcmServiceAccount(<redacted>)"
        case .legacyServerKey: "legacyServerKey(<redacted>)"
        }
    }
}
