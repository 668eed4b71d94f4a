import Hummingbird
import ParleyCore

/// Media paths take both kinds of caller, as Twilio's Media Content Service does: HTTP Basic (an admin, through
/// `BasicAuthMiddleware`'s rules) or a chat user's access token in a header (`Authorization: Bearer`, or the SDK's
/// `X-Twilio-Token`). Never in the URL: a `token` query parameter is refused (401), because URLs end up in logs,
/// proxies and `Referer` headers. To show media in an `<img src>`, clients use the Media resource's
/// `links.content_direct_temporary`, a signed URL that expires (`MediaController.temporaryContent`).
struct MediaAuthMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let accounts: AccountService
    let accessTokens: AccessTokenService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.queryParameters.get("token") == nil else {
            throw ParleyError.accessTokenMalformed(
                reason: "media paths do not take a token in the URL: send it as X-Twilio-Token or Authorization: Bearer, "
                    + "and show content through the Media resource's links.content_direct_temporary")
        }
        var context = context
        if let header = request.headers[.authorization], let (username, password) = BasicAuthMiddleware.credentials(header) {
            context.principal = try await accounts.authenticate(username: username, password: password)
        } else if let token = request.headers[Self.twilioToken] ?? AccessTokenMiddleware.token(request) {
            context.chatPrincipal = try await accessTokens.verifyAccessToken(token)
        } else {
            throw ParleyError.unauthenticated
        }
        return try await next(request, context)
    }

    static let twilioToken = HTTPFields.Element.Name("X-Twilio-Token")!
}
