import Hummingbird
import ParleyCore
import Synchronization

/// Per-account rate limiting (off unless `--rate-limit` is set): a token bucket per account, refilled at
/// `perSecond` tokens a second and holding at most `perSecond` (a one-second burst). A request that finds the
/// bucket empty is answered 429 with Twilio's code 20429 and `Retry-After`, and changes nothing. In memory:
/// the buckets of one node, reset on restart.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let account = context.principal?.accountSid ?? context.chatPrincipal?.accountSid else { return try await next(request, context) }
        if let wait = limiter.take(account) {
            let seconds = max(1, Int(wait.rounded(.up)))
            var response = try TwilioError(.rateLimited(retryAfterSeconds: seconds)).response(from: request, context: context)
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        return try await next(request, context)
    }
}

/// Token buckets by key.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let perSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(perSecond: Int) {
        self.perSecond = Double(perSecond)
    }

    /// Takes a token for `key`: nil when one was there, else the seconds until one will be.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: perSecond, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(perSecond, bucket.tokens + seconds * perSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
            bucket.tokens -= 1
            return nil
        }
    }
}
