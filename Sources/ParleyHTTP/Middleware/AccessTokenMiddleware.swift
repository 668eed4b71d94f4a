import Foundation
import Hummingbird
import ParleyCore

/// Access-token authentication for chat clients: `Authorization: Bearer <token>`, or (for browsers opening a
/// WebSocket, which cannot set headers) a `token` query parameter. A verified token puts its `ChatPrincipal` on the
/// context; anything else is a 401 with the Twilio code of the failure (20101-20107).
struct AccessTokenMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let accessTokens: AccessTokenService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.token(request) else {
            throw ParleyError.accessTokenMalformed(reason: "send the token as Authorization: Bearer <token> or a token query parameter")
        }
        var context = context
        context.chatPrincipal = try await accessTokens.verifyAccessToken(token)
        return try await next(request, context)
    }

    /// The token of the `Authorization: Bearer` header, else of the `token` query parameter.
    static func token(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                if !token.isEmpty { return token }
            }
        }
        if let token = request.uri.queryParameters.get("token"), !token.isEmpty { return token }
        return nil
    }
}
