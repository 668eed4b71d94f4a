import Crypto
import Foundation

/// APNs provider tokens (token auth): an ES256 JWT with header `kid` (the key id) and claims `iss` (the team id) and
/// `iat`, signed with the credential's `.p8` key. One token per (team, key) is cached and reused for every push until it
/// is `refreshAge` old (APNs refuses tokens older than an hour and answers 429 `TooManyProviderTokenUpdates` to a
/// client that makes new ones too often). Neither the key nor the token is ever logged or put in an error.
actor APNsProviderTokens {
    /// Why no token could be made.
    struct Failure: Error {
        let reason: String
    }

    private struct Key: Hashable {
        var teamId: String
        var keyId: String
        var privateKeyPEM: String
    }

    private struct Token {
        var value: String
        var issuedAt: Date
    }

    private let refreshAge: TimeInterval
    private let now: @Sendable () -> Date
    private var cached: [Key: Token] = [:]

    init(refreshAge: Duration, now: @escaping @Sendable () -> Date) {
        self.refreshAge = Double(refreshAge.components.seconds)
        self.now = now
    }

    /// The cached token for this key, or a new one when there is none or it is `refreshAge` old.
    func token(privateKeyPEM: String, keyId: String, teamId: String) throws(Failure) -> String {
        let key = Key(teamId: teamId, keyId: keyId, privateKeyPEM: privateKeyPEM)
        let date = now()
        if let token = cached[key], date.timeIntervalSince(token.issuedAt) < refreshAge, token.issuedAt <= date { return token.value }
        let signingKey: P256.Signing.PrivateKey
        do {
            signingKey = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw Failure(reason: "the APNs signing key is not a P-256 private key in PEM (a .p8 file)")
        }
        let value = Self.sign(keyId: keyId, teamId: teamId, issuedAt: date, with: signingKey)
        cached[key] = Token(value: value, issuedAt: date)
        return value
    }

    /// Forgets `token` if it is still the cached one (APNs called it invalid or expired), so the next push makes another.
    func invalidate(_ token: String, keyId: String, teamId: String, privateKeyPEM: String) {
        let key = Key(teamId: teamId, keyId: keyId, privateKeyPEM: privateKeyPEM)
        if cached[key]?.value == token { cached[key] = nil }
    }

    static func sign(keyId: String, teamId: String, issuedAt: Date, with key: P256.Signing.PrivateKey) -> String {
        let header = #"{"alg":"ES256","kid":"# + PythonJSON.string(keyId) + "}"
        let claims = #"{"iss":"# + PythonJSON.string(teamId) + #","iat":"# + String(Int(issuedAt.timeIntervalSince1970)) + "}"
        let signingInput = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(Data(claims.utf8))
        // `signature(for:)` only throws for keys that are not usable, which `init(pemRepresentation:)` already refused.
        let signature = (try? key.signature(for: Data(signingInput.utf8)).rawRepresentation) ?? Data()
        return signingInput + "." + Base64URL.encode(signature)
    }
}
