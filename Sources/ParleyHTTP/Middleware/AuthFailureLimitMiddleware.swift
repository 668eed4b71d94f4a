import Hummingbird
import ParleyCore

/// Limits failed authentications per client address: each answer that refuses credentials (401, or 403 with code
/// 20003 for a bad webhook signature) spends a token of the address's bucket; while it is empty, every request from
/// that address is answered 429 (20429, `Retry-After`) before credentials are looked at. Guessing secrets, and
/// making Parley check guesses, stays slow; well-behaved clients never notice. A request whose address is unknown
/// (in-process tests) is not limited.
struct AuthFailureLimitMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let limiter: RateLimiter

    /// `perMinute` failures a minute per address, in bursts of as many.
    init(perMinute: Int) {
        limiter = RateLimiter(capacity: Double(perMinute), refillPerSecond: Double(perMinute) / 60)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let address = context.clientAddress else { return try await next(request, context) }
        if let wait = limiter.wait(address) { throw ParleyError.rateLimited(retryAfterSeconds: max(1, Int(wait.rounded(.up)))) }
        do {
            let response = try await next(request, context)
            if response.status == .unauthorized { _ = limiter.take(address) }
            return response
        } catch let error as ParleyError {
            if Self.refusesCredentials(TwilioError(error)) { _ = limiter.take(address) }
            throw error
        } catch let error as TwilioError {
            if Self.refusesCredentials(error) { _ = limiter.take(address) }
            throw error
        }
    }

    static func refusesCredentials(_ error: TwilioError) -> Bool {
        error.status == .unauthorized || (error.status == .forbidden && error.code == 20003)
    }
}
