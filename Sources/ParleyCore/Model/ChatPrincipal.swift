/// A chat user, established by a verified access token (`AccessTokenService.verifyAccessToken`): who they are and
/// in which Service. Client API routes and the WebSocket act on behalf of this principal, never beyond its Service.
public struct ChatPrincipal: Sendable, Equatable {
    public var accountSid: String
    /// The API key (`SK...`) that signed the token.
    public var apiKeySid: String
    /// The token's identity grant; the User with this identity exists in `serviceSid`.
    public var identity: String
    /// The token's chat grant `service_sid`, or the account's default Service when the grant names none.
    public var serviceSid: String
    /// The User (`US...`) of `identity` in `serviceSid` when the token was verified (created then, if it was new).
    public var userSid: String
    /// The token's `exp`: the principal is not valid from this moment on.
    public var expiresAt: Timestamp
    /// The token's chat grant `push_credential_sid`: the credential a device registered without one pushes with.
    public var pushCredentialSid: String?

    public init(
        accountSid: String, apiKeySid: String, identity: String, serviceSid: String, userSid: String, expiresAt: Timestamp,
        pushCredentialSid: String? = nil
    ) {
        self.pushCredentialSid = pushCredentialSid
        self.accountSid = accountSid
        self.apiKeySid = apiKeySid
        self.identity = identity
        self.serviceSid = serviceSid
        self.userSid = userSid
        self.expiresAt = expiresAt
    }

    /// The account-level principal behind this chat user, for service methods that take one (always with
    /// `.service(serviceSid)` as the scope: a chat user never reaches another Service).
    public var principal: Principal { Principal(accountSid: accountSid, credentialSid: apiKeySid, origin: .sdk(identity: identity)) }

    /// The scope every call on behalf of this chat user addresses.
    public var scope: ServiceScope { .service(serviceSid) }
}
