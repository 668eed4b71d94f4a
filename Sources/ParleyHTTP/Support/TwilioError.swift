import Hummingbird
import NIOHTTP1
import ParleyCore

/// An error as Twilio's REST API answers it: `{"code", "message", "more_info", "status"}`.
///
/// This file is the one place where domain errors (`ParleyError`) and HTTP-level failures become
/// Twilio error codes and HTTP statuses. Never `type`/`title`: twilio-python would read those as RFC 9457.
struct TwilioError: HTTPResponseError, Equatable {
    var status: HTTPResponse.Status
    var code: Int
    var message: String
    /// Headers the answer carries besides the body's (`Retry-After` of a 429).
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: Int, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    var body: JSONValue {
        .object([
            ("code", .int(Int64(code))),
            ("message", .string(message)),
            ("more_info", .string("https://www.twilio.com/docs/errors/\(code)")),
            ("status", .int(Int64(status.code))),
        ])
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status: status, body)
        for field in headers { response.headers.append(field) }
        return response
    }

    static func unknownPath(_ path: String) -> TwilioError {
        TwilioError(status: .notFound, code: 20404, message: "The requested resource \(path) was not found")
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, _ path: String) -> TwilioError {
        TwilioError(status: .methodNotAllowed, code: 20004, message: "Method \(method.rawValue) is not allowed on \(path)")
    }

    static let internalError = TwilioError(status: .internalServerError, code: 20500, message: "An internal server error occurred")
}

extension TwilioError {
    /// The Twilio code and HTTP status for each domain error.
    init(_ error: ParleyError) {
        switch error {
        case .unauthenticated:
            self.init(status: .unauthorized, code: 20003, message: "Authentication Error - invalid username or password")
        case .permissionDenied(let permission):
            self.init(status: .forbidden, code: 20403, message: "Forbidden: the user's role does not grant \(permission)")
        case .notFound(let resource):
            self.init(status: .notFound, code: 20404, message: "The requested resource \(resource) was not found")
        case .invalidParameter(let name, let reason):
            self.init(status: .badRequest, code: 20001, message: "Invalid parameter \(name): \(reason)")
        case .containsNUL(let name):
            self.init(status: .badRequest, code: 20001, message: "Invalid parameter \(name): must not contain the NUL character (U+0000)")
        case .invalidJSON(let name):
            self.init(status: .badRequest, code: 50304, message: "Invalid \(name): the value must be valid JSON")
        case .malformedBody(let reason):
            self.init(status: .badRequest, code: 20001, message: "Malformed request body: \(reason)")
        case .invalidMedia(let sid, let reason):
            self.init(status: .badRequest, code: 50510, message: "Invalid media SID \(sid): \(reason)")
        case .mediaContentTypeNotAllowed(let type):
            self.init(
                status: .unsupportedMediaType, code: 50511,
                message: "Media content type \(type.isEmpty ? "(none)" : type) is not accepted: send one type/subtype on the allow-list")
        case .mediaTooLarge(let limit):
            self.init(status: .contentTooLarge, code: 50512, message: "Media too large: at most \(limit) bytes")
        case .tooManyMedia(let limit):
            self.init(status: .badRequest, code: 50512, message: "Too many media: at most \(limit) per message")
        case .mediaAttached(let sid, let messageSid):
            self.init(
                status: .forbidden, code: 20403,
                message: "Forbidden: media \(sid) is attached to message \(messageSid); a chat user may delete only unattached media")
        case .mediaLinkInvalid:
            // 20003, as a bad webhook signature: it counts as a failed authentication.
            self.init(status: .forbidden, code: 20003, message: "Authentication Error - the temporary media URL's signature is not valid")
        case .mediaLinkExpired(let time):
            self.init(status: .forbidden, code: 20403, message: "The temporary media URL expired at \(time): fetch the Media resource for a new one")
        case .bodyTooLarge(let limit):
            self.init(status: .contentTooLarge, code: 20001, message: "Request body is larger than \(limit) bytes")
        case .unsupportedContentType(let type):
            self.init(
                status: .unsupportedMediaType, code: 20001,
                message: "Unsupported Content-Type \(type): send parameters as application/x-www-form-urlencoded")
        case .conversationUniqueNameTaken(let name):
            self.init(status: .conflict, code: 50353, message: "A Conversation with unique name \(name) already exists")
        case .uniqueNameLooksLikeSID(let name):
            self.init(status: .badRequest, code: 50390, message: "UniqueName \(name) must not look like a Conversation SID")
        case .conversationClosed(let sid):
            self.init(status: .badRequest, code: 50377, message: "Conversation \(sid) is closed and cannot be changed")
        case .timersWithoutState:
            self.init(status: .badRequest, code: 50382, message: "Timers can only be set together with State")
        case .userIdentityTaken(let identity):
            self.init(status: .conflict, code: 50201, message: "User with identity \(identity) already exists")
        case .identityLooksLikeSID(let identity):
            self.init(status: .badRequest, code: 50206, message: "Identity \(identity) must not look like a User SID")
        case .participantIdentityTaken(let identity):
            self.init(status: .conflict, code: 50433, message: "Participant with identity \(identity) already exists in this Conversation")
        case .bindingInUse(let address, let proxy):
            self.init(
                status: .conflict, code: 50416,
                message: "A binding for this Participant and proxy address already exists in another Conversation: \(address) / \(proxy)")
        case .bindingsInUse(let address, let proxy):
            self.init(status: .conflict, code: 50425, message: "One or more address pairs are already in use: \(address) / \(proxy)")
        case .invalidParticipantJSON(let reason):
            self.init(status: .badRequest, code: 50424, message: "Invalid Participant: \(reason)")
        case .tooManyParticipantsInRequest(let limit):
            self.init(status: .badRequest, code: 50426, message: "At most \(limit) participants can be added in one request")
        case .participantLimitReached(let limit):
            self.init(status: .badRequest, code: 50417, message: "The Conversation already has \(limit) participants")
        case .nonChatParticipantLimitReached(let limit):
            self.init(status: .badRequest, code: 50422, message: "The Conversation already has \(limit) non-chat participants")
        case .roleInUse(let sid):
            self.init(status: .badRequest, code: 20001, message: "Role \(sid) is a Service default or assigned, and cannot be deleted")
        case .defaultServiceUndeletable(let sid):
            self.init(status: .badRequest, code: 20001, message: "Service \(sid) is the account's default Conversation Service and cannot be deleted")
        case .accessTokenMalformed(let reason):
            self.init(status: .unauthorized, code: 20101, message: "Invalid Access Token: \(reason)")
        case .accessTokenInvalidHeader(let reason):
            self.init(status: .unauthorized, code: 20102, message: "Invalid Access Token header: \(reason)")
        case .accessTokenInvalidIssuer(let reason):
            self.init(status: .unauthorized, code: 20103, message: "Invalid Access Token issuer/subject: \(reason)")
        case .accessTokenExpired(let reason):
            self.init(status: .unauthorized, code: 20104, message: "Access Token expired or expiration date invalid: \(reason)")
        case .accessTokenNotYetValid(let notBefore):
            self.init(status: .unauthorized, code: 20105, message: "Access Token not yet valid: it is valid from \(notBefore)")
        case .accessTokenInvalidGrants(let reason):
            self.init(status: .unauthorized, code: 20106, message: "Invalid Access Token grants: \(reason)")
        case .accessTokenInvalidSignature:
            self.init(status: .unauthorized, code: 20107, message: "Invalid Access Token signature")
        case .webhookRejected(let event, let status):
            // Code chosen by Parley: the reference names none for a rejected pre-action webhook.
            self.init(status: .forbidden, code: 50050, message: "The \(event) webhook rejected the action (it answered HTTP \(status)); nothing was changed")
        case .invalidWebhookTarget(let target):
            self.init(status: .badRequest, code: 50364, message: "Invalid conversation webhook target \(target): use webhook, trigger or studio")
        case .invalidWebhookFilter(let filter):
            self.init(status: .badRequest, code: 50365, message: "Invalid conversation webhook filter \(filter)")
        case .invalidWebhookTrigger(let trigger):
            self.init(status: .badRequest, code: 50366, message: "Invalid conversation webhook trigger '\(trigger)': keywords are 1 to 248 characters")
        case .conversationWebhookLimitReached(let limit):
            // Code chosen by Parley: the reference names none for this limit.
            self.init(status: .badRequest, code: 50367, message: "The Conversation already has \(limit) webhooks, the most allowed")
        case .idempotencyKeyReused(let key, let method, let path):
            self.init(
                status: .unprocessableContent, code: 20422,
                message: "Idempotency-Key \(key) was already used for a different request (\(method) \(path)); use a new key")
        case .idempotencyKeyInProgress(let key, let applied):
            self.init(
                status: .conflict, code: 20409,
                message: applied
                    ? "The request with Idempotency-Key \(key) was applied but its response was lost in a restart; fetch the resource"
                    : "A request with Idempotency-Key \(key) is still being processed; retry later")
        case .storageUnavailable(let reason):
            self.init(status: .serviceUnavailable, code: 20503, message: "Service unavailable: the database cannot be used (\(reason)); nothing was changed")
        case .mediaContentMissing(let sid, let path):
            self.init(
                status: .serviceUnavailable, code: 20503,
                message: "Service unavailable: the content of \(sid) is not in this node's media folder (\(path)); nodes sharing a database must share their media folder")
        case .rateLimited(let seconds):
            self.init(status: .tooManyRequests, code: 20429, message: "Too many requests: retry after \(seconds) second\(seconds == 1 ? "" : "s")")
            headers[.retryAfter] = String(seconds)
        case .pushSecretsUnavailable(let reason):
            self.init(status: .internalServerError, code: 20500, message: "Internal Server Error: push secrets cannot be sealed (\(reason)); nothing was changed")
        }
    }
}

extension ParleyError {
    /// The Twilio error code and message this error is answered with (for the command line, which reports them without HTTP).
    public var twilioCode: Int { TwilioError(self).code }
    public var twilioMessage: String { TwilioError(self).message }
}

extension TwilioError {
    /// The answer to a request NIO's HTTP/1 parser refused (the connection closes after it). 20408, 20431 and
    /// 20501 are Parley's own, following Twilio's `20` + HTTP status pattern (20404, 20429).
    init(_ error: HTTPParserError) {
        switch error {
        case .invalidMethod:
            self.init(
                status: .notImplemented, code: 20501,
                message: "Not Implemented: the request method is not one Parley knows (or the bytes are not HTTP, e.g. TLS sent to the plain-HTTP port)")
        case .headerOverflow:
            self.init(
                status: .requestHeaderFieldsTooLarge, code: 20431,
                message: "Request header fields too large: at most \(ConnectionLimits.maxHeaderLines) header lines and \(ConnectionLimits.maxHeaderBytes / 1024) KiB of headers")
        default:
            self.init(status: .badRequest, code: 20001, message: "Malformed HTTP request: \(Self.malformation(error))")
        }
    }

    /// What is wrong with a request the parser refused, for the 400's message.
    private static func malformation(_ error: HTTPParserError) -> String {
        switch error {
        case .unexpectedContentLength: "Content-Length must not be sent together with Transfer-Encoding"
        case .invalidContentLength: "Content-Length is not a valid length"
        case .invalidChunkSize: "a chunk size is not valid"
        case .invalidHeaderToken: "a header line is not valid"
        case .invalidURL: "the request target is not valid"
        case .invalidVersion: "the HTTP version is not valid"
        case .invalidEOFState: "it ended before it was complete"
        default: "it is not valid HTTP/1.1"
        }
    }

    /// A client that stalled while sending its request (`what`: which part, and for how long).
    static func requestTimeout(_ what: String) -> TwilioError {
        TwilioError(status: .requestTimeout, code: 20408, message: "Request Timeout: \(what)")
    }
}
