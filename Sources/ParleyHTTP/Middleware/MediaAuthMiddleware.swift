import Hummingbird
import ParleyCore

/// Media paths take both kinds of caller, as Twilio's Media Content Service does: HTTP Basic (an admin, through
/// `BasicAuthMiddleware`'s rules) or a chat user's access token (`Authorization: Bearer`, the SDK's
/// `X-Twilio-Token` header, or a `token` query parameter).
struct MediaAuthMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let accounts: AccountService
    let accessTokens: AccessTokenService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
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
