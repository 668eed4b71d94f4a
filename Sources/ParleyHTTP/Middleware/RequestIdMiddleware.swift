import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id in Twilio's form (`RQ` + 32 hex digits), echoed in the `Twilio-Request-Id`
/// response header and carried as `request_id` on every log line written while serving it; writes one
/// access-log line per request. Only the path is logged: query strings may hold access tokens, and
/// headers (Authorization) and bodies are never logged.
struct RequestIdMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = RequestId.make()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[.twilioRequestId] = id
            log(request, status: Int(response.status.code), since: start, logger: context.logger)
            return response
        } catch {
            log(request, status: nil, since: start, logger: context.logger)
            throw error
        }
    }

    private func log(_ request: Request, status: Int?, since start: ContinuousClock.Instant, logger: Logger) {
        let elapsed = (ContinuousClock.now - start).components
        // Tenths of a millisecond in integers: `String(format:)` was a visible share of a request's CPU.
        let tenths = elapsed.seconds * 10_000 + elapsed.attoseconds / 100_000_000_000_000
        logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .string(status.map(String.init) ?? "error"), "duration_ms": .string("\(tenths / 10).\(tenths % 10)"),
            ])
    }
}

/// Twilio-style request ids.
enum RequestId {
    /// `RQ` followed by 32 random lowercase hex digits.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return "RQ" + hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}

extension HTTPField.Name {
    /// The id of the request that produced a response, as Twilio names it.
    static let twilioRequestId = HTTPField.Name("Twilio-Request-Id")!
    /// A client-chosen key that makes a POST safe to retry.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// Twilio's own idempotency header (sent by Twilio on webhooks; accepted as an `Idempotency-Key`).
    static let twilioIdempotencyToken = HTTPField.Name("I-Twilio-Idempotency-Token")!
    /// Set on an answer replayed for a retried idempotent request.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
