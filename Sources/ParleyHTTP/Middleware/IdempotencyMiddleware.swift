import Hummingbird
import ParleyCore

/// Idempotent POSTs: a request carrying `Idempotency-Key` (or Twilio's `I-Twilio-Idempotency-Token`) runs at
/// most once per key and account; a retry of the same request (same method, path, query, content type and
/// body) gets the first answer again, with `Idempotent-Replayed: true`. The key is reserved durably before
/// the request runs, so concurrent duplicates get 409 (code 20409) instead of running twice; a different
/// request under a used key gets 422 (code 20422). Only 2xx answers are remembered: a failed request changed
/// nothing, so its key is released and a retry runs again. Keys are kept 24 hours (`IdempotencyService`).
///
/// Sits behind the authentication middleware: keys belong to the caller's account.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let idempotency: IdempotencyService
    /// The largest body read (the same limit the controllers apply).
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] ?? request.headers[.twilioIdempotencyToken] else {
            return try await next(request, context)
        }
        guard let accountSid = context.principal?.accountSid ?? context.chatPrincipal?.accountSid else {
            return try await next(request, context)
        }
        var request = request
        let body = try await request.collectBody(upTo: maxBodyBytes)
        // A chat user's request is also told apart by who sent it.
        let caller = context.chatPrincipal.map { "\($0.serviceSid)/\($0.identity)" } ?? ""
        let idempotent = IdempotencyService.Request(
            accountSid: accountSid, key: key, method: request.method.rawValue, path: request.uri.path,
            fingerprint: IdempotencyService.fingerprint(
                method: request.method.rawValue, path: caller + request.uri.path, query: request.uri.query ?? "",
                contentType: request.headers[.contentType], body: body.readableBytesView))

        switch try await idempotency.reserve(idempotent) {
        case .replay(let stored):
            var buffer = ByteBuffer()
            buffer.writeBytes(stored.body)
            var headers: HTTPFields = [.contentLength: String(buffer.readableBytes), .idempotentReplayed: "true"]
            if let contentType = stored.contentType { headers[.contentType] = contentType }
            return Response(status: HTTPResponse.Status(code: stored.status), headers: headers, body: ResponseBody(byteBuffer: buffer))
        case .reserved:
            let response: Response
            do {
                response = try await idempotency.marking(idempotent) { try await next(request, context) }
            } catch {
                try? await idempotency.release(idempotent)
                throw error
            }
            guard (200..<300).contains(response.status.code) else {
                try? await idempotency.release(idempotent)
                return response
            }
            let collector = BodyCollector()
            try await response.body.write(collector)
            let stored = StoredResponse(
                status: Int(response.status.code), contentType: response.headers[.contentType], body: Array(collector.buffer.readableBytesView))
            do {
                try await idempotency.complete(idempotent, response: stored)
            } catch {
                // The change is committed; answer it. Retries of this key get 409 until the key expires.
                context.logger.error("storing an idempotent answer failed", metadata: ["error": "\(error)"])
            }
            var replayable = response
            replayable.body = ResponseBody(byteBuffer: collector.buffer)
            return replayable
        }
    }
}

/// A response body writer that keeps what is written (answers are small JSON documents).
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ part: ByteBuffer) async throws {
        var part = part
        buffer.writeBuffer(&part)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
