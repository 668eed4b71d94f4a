import Foundation
import Hummingbird
import NIOCore
import ParleyCore

/// Parley's inbound channel webhooks, for a Twilio phone number or WhatsApp sender (or another gateway) to call:
/// `POST /inbound/messaging` (an incoming message, Twilio's form) and `POST /inbound/status` (a StatusCallback).
/// Requests are authenticated by `X-Twilio-Signature` over the URL as the sender sees it (the `--public-url`
/// base, else the request's Host) with the account's auth token, or by HTTP Basic with AccountSid and auth token.
struct InboundController: Sendable {
    let parley: Parley
    let limits: HTTPLimits
    /// Inbound webhooks draw on a bucket per account of their own (`--rate-limit`), apart from the REST API's.
    var rateLimiter: RateLimiter? = nil

    /// Twilio's answer to an incoming message that needs no reply: empty TwiML.
    static let emptyTwiML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"

    func register(on routes: Routes) {
        routes.add("messaging", post: messaging)
        routes.add("status", post: status)
    }

    @Sendable func messaging(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let accountSid = try await authenticate(request, context, form)
        try rateLimiter?.require("inbound \(accountSid)")
        let count = try form.int("NumMedia") ?? 0
        guard (0...10).contains(count) else { throw ParleyError.invalidParameter(name: "NumMedia", reason: "must be between 0 and 10") }
        var media: [(url: String, contentType: String)] = []
        for index in 0..<Int(count) {
            guard let url = form.string("MediaUrl\(index)"), !url.isEmpty else {
                throw ParleyError.invalidParameter(name: "MediaUrl\(index)", reason: "is required when NumMedia is \(count)")
            }
            media.append((url, form.string("MediaContentType\(index)") ?? "application/octet-stream"))
        }
        let inbound = InboundMessage(
            accountSid: accountSid, messageSid: form.string("MessageSid") ?? form.string("SmsMessageSid") ?? "", from: form.string("From") ?? "",
            to: form.string("To") ?? "", body: form.string("Body"), media: media, parameters: form.pairs)
        _ = try await parley.channels.receive(inbound)
        var headers = HTTPFields()
        headers[.contentType] = "text/xml"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Self.emptyTwiML)))
    }

    @Sendable func status(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let accountSid = try await authenticate(request, context, form)
        try rateLimiter?.require("inbound \(accountSid)")
        let status = form.string("MessageStatus") ?? form.string("SmsStatus") ?? ""
        guard !status.isEmpty else { throw ParleyError.invalidParameter(name: "MessageStatus", reason: "is required") }
        _ = try await parley.channels.statusCallback(
            accountSid: accountSid, channelMessageSid: form.string("MessageSid") ?? form.string("SmsSid") ?? "", messageStatus: status,
            errorCode: try form.int("ErrorCode").map(Int.init))
        return JSONResponse.noContent
    }

    /// The account the request is for, once its signature (or Basic credentials) check out.
    private func authenticate(_ request: Request, _ context: ParleyRequestContext, _ form: FormParameters) async throws -> String {
        var accountSid = form.string("AccountSid")
        if let signature = request.headers[HTTPFields.Element.Name("X-Twilio-Signature")!] {
            if accountSid == nil { accountSid = try await parley.channels.primaryAccountSid() }
            guard let accountSid, SID.isValid(accountSid, .account), let token = try await parley.channels.authToken(accountSid: accountSid) else {
                throw Self.badSignature
            }
            let url = context.baseURL + request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            guard TwilioSignature.isValid(signature, url: url, parameters: form.pairs, authToken: token) else { throw Self.badSignature }
            return accountSid
        }
        if let header = request.headers[.authorization], let (username, password) = BasicAuthMiddleware.credentials(header) {
            let principal = try await parley.accounts.authenticate(username: username, password: password)
            guard accountSid == nil || accountSid == principal.accountSid else {
                throw TwilioError(status: .forbidden, code: 20003, message: "AccountSid does not match the credentials")
            }
            return principal.accountSid
        }
        throw TwilioError(status: .unauthorized, code: 20003, message: "Authenticate with X-Twilio-Signature or HTTP Basic credentials")
    }

    static let badSignature = TwilioError(status: .forbidden, code: 20003, message: "Invalid X-Twilio-Signature for this URL and parameters")
}
