/// Every way a request can be refused by the domain. Each case carries what a caller needs to
/// fix the request; the HTTP layer maps each case to its Twilio error code and status in one place
/// (`TwilioError` in ParleyHTTP).
public enum ParleyError: Error, Equatable, Sendable {
    /// Credentials missing, malformed or wrong.
    case unauthenticated
    /// The chat user is a member, but their roles do not grant `permission` (e.g. `sendMessage`, or
    /// `editOwnMessage or editOwnMessageAttributes` when either would do).
    case permissionDenied(permission: String)
    /// No such resource in this account and Service; `resource` is the path the caller asked for.
    case notFound(resource: String)
    /// A parameter is missing, malformed or out of range.
    case invalidParameter(name: String, reason: String)
    /// A parameter, path segment or token claim holds U+0000, which no text in Parley may contain.
    case containsNUL(name: String)
    /// A parameter that must hold JSON does not.
    case invalidJSON(name: String)
    /// The body could not be read as a form.
    case malformedBody(reason: String)
    /// The request body is larger than Parley accepts.
    case bodyTooLarge(limit: Int)
    /// The body's Content-Type is not one Parley reads.
    case unsupportedContentType(String)

    /// A Conversation with this UniqueName already exists in the Service.
    case conversationUniqueNameTaken(String)
    /// A UniqueName must not look like a Conversation SID.
    case uniqueNameLooksLikeSID(String)
    /// A closed Conversation cannot be changed.
    case conversationClosed(sid: String)
    /// Timers were given on create without a State.
    case timersWithoutState

    /// A User with this identity already exists in the Service.
    case userIdentityTaken(String)
    /// An identity must not look like a User SID.
    case identityLooksLikeSID(String)

    /// A chat participant with this identity is already in the Conversation.
    case participantIdentityTaken(String)
    /// The (address, proxy address) pair is bound in another open Conversation of the Service.
    case bindingInUse(address: String, proxyAddress: String)
    /// The same, for one of the participants of a ConversationWithParticipants request.
    case bindingsInUse(address: String, proxyAddress: String)
    /// A `Participant` value of ConversationWithParticipants is not a valid participant.
    case invalidParticipantJSON(reason: String)
    /// More participants in one request than allowed.
    case tooManyParticipantsInRequest(limit: Int)
    /// The Conversation holds the maximum number of participants.
    case participantLimitReached(limit: Int)
    /// The Conversation holds the maximum number of non-chat participants.
    case nonChatParticipantLimitReached(limit: Int)

    /// The Role is in use (a Service default, or assigned) and cannot be deleted.
    case roleInUse(sid: String)
    /// The Service is the account's default and cannot be deleted.
    case defaultServiceUndeletable(sid: String)

    // Media (50510-50512).
    /// A MediaSid names no media of this Service, or media already attached to another message.
    case invalidMedia(sid: String, reason: String)
    /// The media's content type is not on the allow-list, or missing.
    case mediaContentTypeNotAllowed(String)
    /// A media item, or a message's media in all, is larger than `limit` bytes.
    case mediaTooLarge(limit: Int64)
    /// More media on one message than `limit`.
    case tooManyMedia(limit: Int)
    /// A chat user may delete only unattached media: this one belongs to `messageSid` (delete the message instead).
    case mediaAttached(sid: String, messageSid: String)
    /// A temporary content URL whose signature is missing or does not match its Service, media and expiry.
    case mediaLinkInvalid
    /// A temporary content URL past its expiry.
    case mediaLinkExpired(at: Timestamp)

    // Access tokens (chat clients). Each is a 401 with the Twilio code of that case.
    /// The token is not a JWT: not three segments, a segment that is not base64url, JSON that does not parse, no `exp`.
    case accessTokenMalformed(reason: String)
    /// The JWT header is not a Twilio access token's: `alg` other than HS256, `cty` other than `twilio-fpa;v=1`.
    case accessTokenInvalidHeader(reason: String)
    /// `iss` is no API key of the account in `sub` (unknown key, key of another account, missing claim).
    case accessTokenInvalidIssuer(reason: String)
    /// `exp` has passed, or lies further from `nbf` than the 24 h a token may live.
    case accessTokenExpired(reason: String)
    /// `nbf` is still ahead.
    case accessTokenNotYetValid(notBefore: Timestamp)
    /// The identity or chat grant is missing or unusable (e.g. names a Service the account does not have).
    case accessTokenInvalidGrants(reason: String)
    /// The signature does not match the API key's secret.
    case accessTokenInvalidSignature

    // Webhooks.
    /// A pre-action webhook answered `status` (4xx/5xx): the action was rejected and nothing changed.
    case webhookRejected(event: String, status: Int)
    /// A conversation webhook `Target` other than webhook, trigger or studio (50364).
    case invalidWebhookTarget(String)
    /// A `Filters` value that is no webhook event this scope sends (50365).
    case invalidWebhookFilter(String)
    /// An empty or too long `Configuration.Triggers` keyword (50366).
    case invalidWebhookTrigger(String)
    /// The conversation already has the most webhooks allowed.
    case conversationWebhookLimitReached(limit: Int)
    /// An idempotency key was sent again with a different request (`method path` is its first request's).
    case idempotencyKeyReused(key: String, method: String, path: String)
    /// The key's first request is still running, or (`applied`) committed in a process that stopped before answering.
    case idempotencyKeyInProgress(key: String, applied: Bool)
    /// The database could not take the write (disk full, I/O error, read-only file): nothing was changed.
    case storageUnavailable(reason: String)
    /// The media's record exists but its content is not in this node's media folder (nodes sharing a database must
    /// share the folder: is it mounted?).
    case mediaContentMissing(sid: String, path: String)
    /// The account sent more requests per second than the node allows.
    case rateLimited(retryAfterSeconds: Int)
    /// Push secrets cannot be sealed: the secrets key file cannot be created or read (`reason` names the file, never a secret).
    case pushSecretsUnavailable(reason: String)
}
