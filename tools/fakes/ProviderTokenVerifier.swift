import Crypto
import Foundation

/// Checks an APNs provider token as Apple does: a compact JWS with `alg` ES256 and a known `kid`, signed by that key,
/// `iss` the team id, and an `iat` not older than the limit.
struct ProviderTokenVerifier: Sendable {
    struct Claims: Sendable {
        let keyId: String
        let teamId: String
        let issuedAt: Int
    }

    /// Why a token is refused: APNs' `reason` for a 403.
    enum Refusal: String, Error {
        case invalidProviderToken = "InvalidProviderToken"
        case expiredProviderToken = "ExpiredProviderToken"
    }

    let keys: [String: P256.Signing.PublicKey]
    let teamId: String
    let maximumAge: Duration

    init(configuration: FakeAPNsConfiguration) throws {
        keys = try configuration.signingKeys.mapValues { try P256.Signing.PublicKey(pemRepresentation: $0) }
        teamId = configuration.teamId
        maximumAge = configuration.maximumTokenAge
    }

    func verify(_ token: String, now: Date = Date()) throws(Refusal) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerData = Data(base64URL: parts[0]), let claimsData = Data(base64URL: parts[1]),
            let signatureData = Data(base64URL: parts[2]),
            let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any],
            let claims = (try? JSONSerialization.jsonObject(with: claimsData)) as? [String: Any],
            header["alg"] as? String == "ES256", let keyId = header["kid"] as? String, let key = keys[keyId],
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureData),
            key.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)),
            claims["iss"] as? String == teamId, let issuedAt = (claims["iat"] as? NSNumber)?.intValue
        else { throw .invalidProviderToken }
        if now.timeIntervalSince1970 - Double(issuedAt) > Double(maximumAge.components.seconds) { throw .expiredProviderToken }
        return Claims(keyId: keyId, teamId: teamId, issuedAt: issuedAt)
    }
}

fileprivate extension Data {
    /// Decodes unpadded base64url (RFC 4648 §5), as JWTs use.
    init?(base64URL text: Substring) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
