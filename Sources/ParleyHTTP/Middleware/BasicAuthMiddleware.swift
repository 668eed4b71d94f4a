import Foundation
import Hummingbird
import ParleyCore

/// HTTP Basic authentication with AccountSid:AuthToken or ApiKeySid:Secret, as Twilio's REST API takes it.
struct BasicAuthMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let accounts: AccountService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], let (username, password) = Self.credentials(header) else {
            throw ParleyError.unauthenticated
        }
        var context = context
        context.principal = try await accounts.authenticate(username: username, password: password)
        // REST changes fire webhooks only when asked to (Twilio's loop guard).
        context.principal?.origin = .api(webhooksEnabled: request.headers[Self.webhookEnabled]?.lowercased() == "true")
        return try await next(request, context)
    }

    static let webhookEnabled = HTTPFields.Element.Name("X-Twilio-Webhook-Enabled")!

    static func credentials(_ header: String) -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
