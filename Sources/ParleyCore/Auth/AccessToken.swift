import Foundation
import JWTKit

/// Twilio access tokens, the credential of chat clients: an HS256 JWT signed with an API key secret.
///
/// As the helper libraries mint them (twilio-python 9.13, `twilio.jwt.access_token.AccessToken` + `ChatGrant`):
///
///     header  {"alg":"HS256","cty":"twilio-fpa;v=1","typ":"JWT"}
///     payload {"jti":"SK...-1700000000","grants":{"chat":{"service_sid":"IS..."},"identity":"alice"},
///              "iss":"SK...","exp":1700003600,"nbf":1700000000,"sub":"AC..."}
///
/// Signing and verifying are jwt-kit's; this file only fixes the claims and their byte layout.
public enum AccessToken {
    /// The `cty` header of every Twilio access token.
    public static let contentType = "twilio-fpa;v=1"
    /// The only algorithm Twilio uses (and Parley accepts).
    public static let algorithm = "HS256"
    /// The lifetime `parley token` and the helper libraries give a token by default.
    public static let defaultTTL: Int64 = 3600
    /// The longest lifetime Twilio allows (24 h); longer tokens are refused.
    public static let maximumTTL: Int64 = 86_400
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    public static let leeway: Int64 = 60

    /// A token exactly as twilio-python mints it at `now`: same header, same claims in the same order, so the same bytes.
    ///
    /// - Parameters:
    ///   - apiKey: the signer: `iss` is its SID, `sub` its account, the signature uses its secret.
    ///   - identity: the `grants.identity` of the chat user.
    ///   - serviceSid: the chat grant's `service_sid`; nil leaves it out (the account's default Service then applies).
    ///   - ttl: seconds until `exp`, 1 to 86,400.
    static func mint(apiKey: APIKey, identity: String, serviceSid: String?, ttl: Int64, now: Timestamp) async throws -> String {
        guard identity.isEmpty == false else { throw ParleyError.invalidParameter(name: "identity", reason: "is required") }
        try UserService.validateIdentity(identity)
        try Validate.sid(serviceSid, .service, name: "service")
        guard (1...maximumTTL).contains(ttl) else {
            throw ParleyError.invalidParameter(name: "ttl", reason: "must be between 1 and \(maximumTTL) seconds (24 h)")
        }
        let issuedAt = now.secondsSince1970
        let claims = AccessTokenClaims(
            jti: "\(apiKey.sid)-\(issuedAt)", iss: apiKey.sid, sub: apiKey.accountSid, exp: issuedAt + ttl, nbf: issuedAt,
            grants: .init(identity: identity, chat: .init(serviceSid: serviceSid)))
        return try await sign(claims, secret: apiKey.secret)
    }

    /// Signs `claims` with HS256 and `secret`; `header` adds to (or overrides) the standard Twilio header.
    static func sign(_ claims: AccessTokenClaims, secret: String, header: JWTHeader = ["cty": .string(contentType)]) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, serializer: TwilioJWTSerializer())
        return try await keys.sign(claims, header: header)
    }
}

/// The claims of an access token. Every field is optional so that a token missing one reaches the check that names
/// what is missing (and its Twilio code) instead of failing to decode as "malformed".
struct AccessTokenClaims: JWTPayload, Equatable {
    var jti: String?
    /// The API key SID that signed the token.
    var iss: String?
    /// The account SID.
    var sub: String?
    /// Expiry and not-before, in Unix seconds.
    var exp: Int64?
    var nbf: Int64?
    var grants: Grants?

    struct Grants: Codable, Sendable, Equatable {
        var identity: String?
        /// The Conversations (formerly Chat) grant.
        var chat: ChatGrant?

        init(identity: String?, chat: ChatGrant?) {
            self.identity = identity
            self.chat = chat
        }

        /// A grant of the wrong JSON type reads as absent: an invalid grant (20106), not an unreadable token.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            identity = try? container.decodeIfPresent(String.self, forKey: .identity)
            chat = try? container.decodeIfPresent(ChatGrant.self, forKey: .chat)
        }
    }

    struct ChatGrant: Codable, Sendable, Equatable {
        var serviceSid: String?
        var endpointId: String?
        var deploymentRoleSid: String?
        var pushCredentialSid: String?

        init(serviceSid: String? = nil, endpointId: String? = nil, deploymentRoleSid: String? = nil, pushCredentialSid: String? = nil) {
            self.serviceSid = serviceSid
            self.endpointId = endpointId
            self.deploymentRoleSid = deploymentRoleSid
            self.pushCredentialSid = pushCredentialSid
        }

        enum CodingKeys: String, CodingKey {
            case serviceSid = "service_sid"
            case endpointId = "endpoint_id"
            case deploymentRoleSid = "deployment_role_sid"
            case pushCredentialSid = "push_credential_sid"
        }
    }

    init(jti: String? = nil, iss: String? = nil, sub: String? = nil, exp: Int64? = nil, nbf: Int64? = nil, grants: Grants? = nil) {
        self.jti = jti
        self.iss = iss
        self.sub = sub
        self.exp = exp
        self.nbf = nbf
        self.grants = grants
    }

    private enum CodingKeys: String, CodingKey {
        case jti, iss, sub, exp, nbf, grants
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jti = try container.decodeIfPresent(String.self, forKey: .jti)
        iss = try container.decodeIfPresent(String.self, forKey: .iss)
        sub = try container.decodeIfPresent(String.self, forKey: .sub)
        exp = try Self.numericDate(container, .exp)
        nbf = try Self.numericDate(container, .nbf)
        grants = try? container.decodeIfPresent(Grants.self, forKey: .grants)
    }

    /// A NumericDate: integral seconds, or (RFC 7519 allows it) a fraction, rounded down; between 1970 and 9999.
    private static func numericDate(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int64? {
        let seconds: Int64
        if let integral = try? container.decodeIfPresent(Int64.self, forKey: key) {
            seconds = integral
        } else if let fractional = try container.decodeIfPresent(Double.self, forKey: key) {
            guard fractional.isFinite, (0...Double(latestNumericDate)).contains(fractional) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a NumericDate")
            }
            seconds = Int64(fractional.rounded(.down))
        } else {
            return nil
        }
        guard (0...latestNumericDate).contains(seconds) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a NumericDate")
        }
        return seconds
    }

    /// 9999-12-31T23:59:59Z, so that date arithmetic on claims never overflows.
    private static let latestNumericDate: Int64 = 253_402_300_799

    /// jwt-kit calls this after the signature checks out. Time and grants are checked by `AccessTokenService`
    /// against its own clock (tests pass a fixed one), so there is nothing to do here.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// The payload as twilio-python writes it: `json.dumps(payload, separators=(",", ":"))`, keys in its order.
    var twilioJSON: String {
        var members: [(String, String)] = []
        if let jti { members.append(("jti", PythonJSON.string(jti))) }
        if let grants {
            var grantMembers: [(String, String)] = []
            if let chat = grants.chat {
                var chatMembers: [(String, String)] = []
                if let value = chat.serviceSid { chatMembers.append(("service_sid", PythonJSON.string(value))) }
                if let value = chat.endpointId { chatMembers.append(("endpoint_id", PythonJSON.string(value))) }
                if let value = chat.deploymentRoleSid { chatMembers.append(("deployment_role_sid", PythonJSON.string(value))) }
                if let value = chat.pushCredentialSid { chatMembers.append(("push_credential_sid", PythonJSON.string(value))) }
                grantMembers.append(("chat", PythonJSON.object(chatMembers)))
            }
            if let identity = grants.identity { grantMembers.append(("identity", PythonJSON.string(identity))) }
            members.append(("grants", PythonJSON.object(grantMembers)))
        }
        if let iss { members.append(("iss", PythonJSON.string(iss))) }
        if let exp { members.append(("exp", String(exp))) }
        if let nbf { members.append(("nbf", String(nbf))) }
        if let sub { members.append(("sub", PythonJSON.string(sub))) }
        return PythonJSON.object(members)
    }
}

/// jwt-kit's serializer hook, set up to write what PyJWT (under twilio-python) writes: the header with sorted keys and
/// no spaces, the payload in twilio-python's key order. Tokens minted by Parley are then byte-identical to the
/// library's for the same second, key and grants.
struct TwilioJWTSerializer: JWTSerializer {
    /// Encodes the header (`JWTHeader`, a dictionary) the way PyJWT does: `sort_keys=True`, compact, `/` unescaped.
    let jsonEncoder: any JWTJSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func serialize(_ payload: some JWTPayload, header: JWTHeader) throws -> Data {
        let json = try (payload as? AccessTokenClaims).map { Data($0.twilioJSON.utf8) } ?? jsonEncoder.encode(payload)
        return Data(Base64URL.encode(json).utf8)
    }
}

/// Unpadded base64url (RFC 7515 section 2), the encoding of each JWT segment.
enum Base64URL {
    static func encode(_ data: Data) -> String {
        var text = data.base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}

/// JSON text as Python's `json.dumps(..., separators=(",", ":"))` writes it (`ensure_ascii=True`): everything outside
/// printable ASCII as `\uXXXX` (lower-case hex, UTF-16 surrogate pairs), members in the order given.
enum PythonJSON {
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    static func string(_ value: String) -> String {
        var text = "\""
        for unit in value.utf16 {
            switch unit {
            case 0x22: text += "\\\""
            case 0x5C: text += "\\\\"
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x09: text += "\\t"
            case 0x08: text += "\\b"
            case 0x0C: text += "\\f"
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return text + "\""
    }
}
