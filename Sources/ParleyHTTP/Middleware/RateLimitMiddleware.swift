import Hummingbird
import ParleyCore

/// Rate limiting (off unless `--rate-limit` is set): a token bucket per caller, refilled at `perSecond` tokens a
/// second and holding at most `perSecond` (a one-second burst). The admin's requests (Basic credentials) draw on
/// the account's bucket; each chat identity has a bucket of its own, so one chat client flooding the client API
/// cannot starve the account's backend. A request that finds its bucket empty is answered 429 with Twilio's code
/// 20429 and `Retry-After`, and changes nothing. In memory: the buckets of one node, reset on restart.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Self.bucket(context) else { return try await next(request, context) }
        try limiter.require(key)
        return try await next(request, context)
    }

    /// The caller's bucket: the chat identity's, else the account's.
    static func bucket(_ context: Context) -> String? {
        if let user = context.chatPrincipal { return "chat \(user.serviceSid) \(user.identity)" }
        return context.principal.map { "account \($0.accountSid)" }
    }
}
