import JWTKit

/// Access tokens: verifying the ones chat clients present, and minting them for development and tests.
public struct AccessTokenService: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    /// The chat user a token stands for.
    ///
    /// Checks, in order, each failure with its own error (and Twilio code): the token is a JWT (20101); its header is
    /// `alg: HS256`, `cty: twilio-fpa;v=1` (20102); `iss` is an API key of the account in `sub` (20103); the signature
    /// matches that key's secret (20107); `exp` has not passed and lies at most 24 h after `nbf` (20104); `nbf` has come
    /// (20105), both with `AccessToken.leeway` of skew; there is an identity grant and a chat grant whose Service, if
    /// named, belongs to the account (20106). Then the identity is made a User of the Service (with the Service's
    /// default role) if it is not one yet.
    public func verifyAccessToken(_ token: String) async throws -> ChatPrincipal {
        let (header, claims) = try Self.parse(token)
        try Self.refuseNUL(in: claims)

        guard header.alg == AccessToken.algorithm else {
            throw ParleyError.accessTokenInvalidHeader(reason: "alg must be \(AccessToken.algorithm), not \(header.alg ?? "missing")")
        }
        guard header.cty == AccessToken.contentType else {
            throw ParleyError.accessTokenInvalidHeader(reason: "cty must be \(AccessToken.contentType), not \(header.cty ?? "missing")")
        }

        guard let keySid = claims.iss, SID.isValid(keySid, .apiKey) else {
            throw ParleyError.accessTokenInvalidIssuer(reason: "iss must be an API key SID (SK...)")
        }
        guard let accountSid = claims.sub, SID.isValid(accountSid, .account) else {
            throw ParleyError.accessTokenInvalidIssuer(reason: "sub must be an account SID (AC...)")
        }
        // One answer for an unknown key and another account's key: the token learns nothing about keys elsewhere.
        guard let key = try await store.read({ tx in try tx.apiKey(sid: keySid) }), key.accountSid == accountSid else {
            throw ParleyError.accessTokenInvalidIssuer(reason: "\(keySid) is not an API key of account \(accountSid)")
        }

        try await Self.verifySignature(token, secret: key.secret)

        let currentTime = self.now().secondsSince1970
        guard let exp = claims.exp else { throw ParleyError.accessTokenMalformed(reason: "the exp claim is missing") }
        guard currentTime < exp + AccessToken.leeway else {
            throw ParleyError.accessTokenExpired(reason: "it expired at \(Timestamp(secondsSince1970: exp))")
        }
        if exp - (claims.nbf ?? currentTime) > AccessToken.maximumTTL + AccessToken.leeway {
            throw ParleyError.accessTokenExpired(reason: "exp is more than \(AccessToken.maximumTTL) seconds (24 h) after nbf")
        }
        if let nbf = claims.nbf, currentTime + AccessToken.leeway < nbf {
            throw ParleyError.accessTokenNotYetValid(notBefore: Timestamp(secondsSince1970: nbf))
        }

        guard let grants = claims.grants else { throw ParleyError.accessTokenInvalidGrants(reason: "the grants claim is missing") }
        guard let identity = grants.identity, !identity.isEmpty else {
            throw ParleyError.accessTokenInvalidGrants(reason: "there is no identity grant")
        }
        do {
            try UserService.validateIdentity(identity)
        } catch {
            throw ParleyError.accessTokenInvalidGrants(reason: "the identity is not a valid User identity (at most \(Limits.identity) characters, not a US SID)")
        }
        guard let chat = grants.chat else {
            throw ParleyError.accessTokenInvalidGrants(reason: "there is no chat (Conversations) grant")
        }
        if let sid = chat.serviceSid, !SID.isValid(sid, .service) {
            throw ParleyError.accessTokenInvalidGrants(reason: "the chat grant's service_sid must be an IS SID")
        }

        let principal = Principal(accountSid: accountSid, credentialSid: keySid)
        let scope: ServiceScope = chat.serviceSid.map { .service($0) } ?? .defaultService
        // Usually the User exists: a read is enough, and the write lock is taken only for a first use.
        let member =
            try await store.read { tx -> (service: String, user: String)? in
                let service = try Self.grantedService(principal, scope, tx)
                return try tx.user(sidOrIdentity: identity, serviceSid: service.sid).map { (service.sid, $0.sid) }
            }
        let now = self.now()
        let (serviceSid, userSid) =
            if let member {
                member
            } else {
                try await store.write { tx -> (service: String, user: String) in
                    let service = try Self.grantedService(principal, scope, tx)
                    try UserService.ensureUser(identity: identity, in: service, now: now, tx: tx)
                    return (service.sid, try tx.requireUser(identity, in: service).sid)
                }
            }
        return ChatPrincipal(
            accountSid: accountSid, apiKeySid: keySid, identity: identity, serviceSid: serviceSid, userSid: userSid,
            expiresAt: Timestamp(secondsSince1970: exp), pushCredentialSid: chat.pushCredentialSid)
    }

    /// A token for `identity`, exactly as twilio-python's `AccessToken` + `ChatGrant(service_sid=...)` mints it now.
    ///
    /// - Parameters:
    ///   - apiKey: the signing key (its SID is `iss`, its account `sub`).
    ///   - serviceSid: the chat grant's Service; nil for the account's default Service.
    ///   - ttl: seconds the token lives, at most `AccessToken.maximumTTL` (24 h).
    public func mintAccessToken(apiKey: APIKey, identity: String, serviceSid: String? = nil, ttl: Int64 = AccessToken.defaultTTL) async throws -> String {
        try await AccessToken.mint(apiKey: apiKey, identity: identity, serviceSid: serviceSid, ttl: ttl, now: now())
    }

    /// An API key of the account to sign development tokens with (`parley token`): the one named
    /// `friendlyName` if there is one, else the oldest key, else a new key with that name.
    public func signingKey(accountSid: String, friendlyName: String = "parley token") async throws -> APIKey {
        let now = self.now()
        return try await store.write { tx in
            guard try tx.account(sid: accountSid) != nil else { throw ParleyError.notFound(resource: "/Accounts/\(accountSid)") }
            let keys = try tx.apiKeys(accountSid: accountSid)
            if let key = keys.first(where: { $0.friendlyName == friendlyName }) ?? keys.first { return key }
            let key = APIKey(sid: SID.make(.apiKey, now: now), accountSid: accountSid, friendlyName: friendlyName, secret: SID.makeSecret(), dateCreated: now)
            try tx.insert(key)
            return key
        }
    }

    // MARK: - Steps

    /// Header and claims, unverified: only whether the token is a readable JWT at all.
    static func parse(_ token: String) throws -> (JWTHeader, AccessTokenClaims) {
        do {
            let parsed = try DefaultJWTParser().parse(Array(token.utf8), as: AccessTokenClaims.self)
            return (parsed.header, parsed.payload)
        } catch {
            // jwt-kit's reasons quote decoder internals; the caller gets what a JWT must look like instead.
            throw ParleyError.accessTokenMalformed(reason: notAJWT)
        }
    }

    /// A claim holding U+0000 is refused (400, like any parameter) before anything is looked up: the store would
    /// read `bob\0mallory` as `bob`.
    static func refuseNUL(in claims: AccessTokenClaims) throws {
        let texts: [(String, String?)] = [
            ("jti", claims.jti), ("iss", claims.iss), ("sub", claims.sub), ("grants.identity", claims.grants?.identity),
            ("grants.chat.service_sid", claims.grants?.chat?.serviceSid), ("grants.chat.endpoint_id", claims.grants?.chat?.endpointId),
            ("grants.chat.deployment_role_sid", claims.grants?.chat?.deploymentRoleSid),
            ("grants.chat.push_credential_sid", claims.grants?.chat?.pushCredentialSid),
        ]
        for case (let name, let value?) in texts { try Validate.noNUL(value, name: "token claim \(name)") }
    }

    static let notAJWT = "not a JWT (three base64url segments: a JSON header, a JSON payload, a signature)"

    /// The HS256 signature, checked by jwt-kit with the API key's secret.
    static func verifySignature(_ token: String, secret: String) async throws {
        // jwt-kit asserts (in debug builds) that an HMAC key has at least 256 bits. Every secret Parley issues has
        // exactly that (32 characters, as Twilio's); a shorter one can sign nothing Parley accepts.
        guard secret.utf8.count >= 32 else { throw ParleyError.accessTokenInvalidSignature }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        do {
            _ = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw ParleyError.accessTokenInvalidSignature
        } catch {
            throw ParleyError.accessTokenMalformed(reason: notAJWT)
        }
    }

    /// The Service of the chat grant (or the account's default), which must belong to the account.
    static func grantedService(_ principal: Principal, _ scope: ServiceScope, _ tx: StoreTransaction) throws -> ChatService {
        do {
            return try tx.resolveService(principal, scope)
        } catch ParleyError.notFound {
            switch scope {
            case .service(let sid): throw ParleyError.accessTokenInvalidGrants(reason: "the chat grant names \(sid), which is no Conversation Service of this account")
            case .defaultService: throw ParleyError.accessTokenInvalidGrants(reason: "the chat grant names no Service and the account has no default")
            }
        }
    }
}
