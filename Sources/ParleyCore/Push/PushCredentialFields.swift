import Crypto
import Foundation
import _CryptoExtras

/// The secret fields of a `/v1/Credentials` create or update, as sent, and the checks that turn them into a
/// `PushCredentialSecret`. Which field carries what:
/// - `apn`, certificate auth: `Certificate` (PEM) + `PrivateKey` (PEM, RSA or P-256, the certificate's key); the topic
///   is the certificate subject's UID, or `Secret` = `{"bundle_id": "..."}` when it has none.
/// - `apn`, token auth: `PrivateKey` = the `.p8` (PEM, P-256) + `Secret` = `{"key_id", "team_id", "bundle_id"}`.
/// - `fcm`: `Secret` = the service-account JSON (`project_id`, `client_email`, `private_key` RSA PEM, `token_uri`), or
///   any text that is not JSON: a legacy server key.
/// - `gcm`: `ApiKey` (or `Secret`): a legacy server key.
///
/// Error messages name the field and the problem, never the value.
public struct PushCredentialFields: Sendable, CustomStringConvertible {
    public var certificate: String?
    public var privateKey: String?
    public var secret: String?
    public var apiKey: String?

    public init(certificate: String? = nil, privateKey: String? = nil, secret: String? = nil, apiKey: String? = nil) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.secret = secret
        self.apiKey = apiKey
    }

    /// Whether no secret field was sent (an update of `FriendlyName` or `Sandbox` only).
    public var isEmpty: Bool { certificate == nil && privateKey == nil && secret == nil && apiKey == nil }

    public var description: String { "PushCredentialFields(<redacted>)" }

    /// Google's token endpoint, for a service account whose JSON names none.
    static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    /// The secret these fields make for a credential of `kind`; fields not sent are taken from `previous` (an update).
    public func secret(for kind: PushCredential.Kind, previous: PushCredentialSecret? = nil) throws -> PushCredentialSecret {
        switch kind {
        case .apn: try apnSecret(previous: previous)
        case .fcm: try fcmSecret(previous: previous)
        case .gcm: try gcmSecret(previous: previous)
        }
    }

    // MARK: - APNs

    private func apnSecret(previous: PushCredentialSecret?) throws -> PushCredentialSecret {
        switch previous {
        case .apnsCertificate(let certificatePEM, let keyPEM, let topic) where certificate == nil && (secret == nil || privateKey == nil):
            // An update of one half of a certificate credential (or of its topic).
            let fields = PushCredentialFields(certificate: certificatePEM, privateKey: privateKey ?? keyPEM, secret: secret)
            return try fields.apnsCertificate(keptTopic: topic)
        case .apnsToken(let keyPEM, let keyId, let teamId, let topic) where certificate == nil:
            let fields = PushCredentialFields(privateKey: privateKey ?? keyPEM, secret: secret)
            return try fields.apnsToken(fallback: (keyId, teamId, topic))
        default:
            if certificate != nil { return try apnsCertificate(keptTopic: nil) }
            guard privateKey != nil || secret != nil else {
                throw ParleyError.invalidParameter(
                    name: "Certificate",
                    reason: "is required for apn: send Certificate and PrivateKey (certificate auth), or PrivateKey (.p8) and Secret (token auth)")
            }
            return try apnsToken(fallback: nil)
        }
    }

    /// `keptTopic`: the topic of the credential being updated when its certificate stays; it wins over the UID.
    private func apnsCertificate(keptTopic: String?) throws -> PushCredentialSecret {
        guard let certificatePEM = certificate, let parsed = APNsCertificate(pem: certificatePEM) else {
            throw ParleyError.invalidParameter(name: "Certificate", reason: "is not a PEM certificate (-----BEGIN CERTIFICATE----- with DER inside)")
        }
        guard let keyPEM = privateKey else {
            throw ParleyError.invalidParameter(name: "PrivateKey", reason: "is required with Certificate: the certificate's private key (PEM)")
        }
        let publicKey = try Self.certificateKeySPKI(keyPEM)
        guard publicKey == parsed.subjectPublicKeyInfo else {
            throw ParleyError.invalidParameter(name: "PrivateKey", reason: "does not belong to the Certificate")
        }
        let explicitTopic = try secret.map { try Self.jsonObject($0, name: "Secret")["bundle_id"] ?? nil } ?? nil
        guard let topic = explicitTopic ?? keptTopic ?? parsed.subjectUID, !topic.isEmpty else {
            throw ParleyError.invalidParameter(
                name: "Certificate", reason: "has no UID (bundle id) in its subject: send Secret={\"bundle_id\": \"...\"} for the apns-topic")
        }
        return .apnsCertificate(certificatePEM: certificatePEM, privateKeyPEM: keyPEM, topic: topic)
    }

    private func apnsToken(fallback: (keyId: String, teamId: String, topic: String)?) throws -> PushCredentialSecret {
        guard let keyPEM = privateKey else {
            throw ParleyError.invalidParameter(name: "PrivateKey", reason: "is required for APNs token auth: the .p8 signing key (PEM)")
        }
        guard (try? P256.Signing.PrivateKey(pemRepresentation: keyPEM)) != nil else {
            throw ParleyError.invalidParameter(name: "PrivateKey", reason: "is not a P-256 private key in PEM (the .p8 file APNs token auth uses)")
        }
        let ids: (keyId: String, teamId: String, topic: String)
        if let secret {
            let object = try Self.jsonObject(secret, name: "Secret")
            ids = (
                try Self.required("key_id", in: object), try Self.required("team_id", in: object), try Self.required("bundle_id", in: object)
            )
        } else if let fallback {
            ids = fallback
        } else {
            throw ParleyError.invalidParameter(
                name: "Secret", reason: "is required for APNs token auth: {\"key_id\": \"...\", \"team_id\": \"...\", \"bundle_id\": \"...\"}")
        }
        return .apnsToken(privateKeyPEM: keyPEM, keyId: ids.keyId, teamId: ids.teamId, topic: ids.topic)
    }

    /// The SubjectPublicKeyInfo DER of a certificate's private key: RSA or P-256, PEM.
    private static func certificateKeySPKI(_ pem: String) throws -> Data {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) { return key.publicKey.derRepresentation }
        if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) { return key.publicKey.derRepresentation }
        throw ParleyError.invalidParameter(name: "PrivateKey", reason: "is not an RSA (2048 bits or more) or P-256 private key in PEM")
    }

    // MARK: - FCM and GCM

    private func fcmSecret(previous: PushCredentialSecret?) throws -> PushCredentialSecret {
        guard let secret else {
            if let previous, apiKey == nil { return previous }
            throw ParleyError.invalidParameter(name: "Secret", reason: "is required for fcm: the service-account JSON (or a legacy server key)")
        }
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{") else {
            guard !trimmed.isEmpty else { throw ParleyError.invalidParameter(name: "Secret", reason: "must not be empty") }
            return .legacyServerKey(trimmed)
        }
        let account = try Self.jsonObject(trimmed, name: "Secret")
        let projectId = try Self.required("project_id", in: account)
        let clientEmail = try Self.required("client_email", in: account)
        let keyPEM = try Self.required("private_key", in: account)
        guard (try? _RSA.Signing.PrivateKey(pemRepresentation: keyPEM)) != nil else {
            throw ParleyError.invalidParameter(name: "Secret", reason: "private_key is not an RSA private key in PEM")
        }
        let tokenURI = (account["token_uri"] ?? nil) ?? Self.defaultTokenURI
        guard let url = URL(string: tokenURI), ["https", "http"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw ParleyError.invalidParameter(name: "Secret", reason: "token_uri is not an http(s) URL")
        }
        return .fcmServiceAccount(projectId: projectId, clientEmail: clientEmail, privateKeyPEM: keyPEM, tokenURI: tokenURI)
    }

    private func gcmSecret(previous: PushCredentialSecret?) throws -> PushCredentialSecret {
        guard let key = (apiKey ?? secret)?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            if let previous { return previous }
            throw ParleyError.invalidParameter(name: "ApiKey", reason: "is required for gcm: the server API key")
        }
        guard !key.isEmpty else { throw ParleyError.invalidParameter(name: "ApiKey", reason: "must not be empty") }
        return .legacyServerKey(key)
    }

    // MARK: - JSON

    /// The string members of a JSON object (others are nil); a 400 naming `name` when the text is not a JSON object.
    private static func jsonObject(_ text: String, name: String) throws -> [String: String?] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw ParleyError.invalidParameter(name: name, reason: "is not a JSON object")
        }
        return object.mapValues { $0 as? String }
    }

    private static func required(_ key: String, in object: [String: String?]) throws -> String {
        guard let value = object[key] ?? nil, !value.isEmpty else {
            throw ParleyError.invalidParameter(name: "Secret", reason: "has no \(key) (a non-empty string)")
        }
        return value
    }
}
