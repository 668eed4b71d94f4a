import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What one webhook request came back with.
public struct WebhookResponse: Sendable {
    /// The HTTP status, nil when there was no answer (refused, reset, timed out).
    public var statusCode: Int?
    /// The answer's body (at most `WebhookSender.maximumBody` bytes), as text.
    public var body: String
    /// Why there was no answer, or what the answer was, for the failure log.
    public var error: String?
    /// Whether no answer came within the timeout.
    public var timedOut: Bool

    public var isSuccess: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
}

/// Sends one webhook request as Twilio does: the parameters form-encoded (in the body of a POST, the query of a GET),
/// `X-Twilio-Signature` over the URL and parameters with the account's auth token, `I-Twilio-Idempotency-Token`, and a
/// timeout after which the request is abandoned, so a receiver that hangs holds up nothing but its own delivery.
/// Requests go through `OutboundHTTP`: a URL the outbound policy refuses is not called (the attempt fails with the
/// reason), and a redirect is not followed (a 3xx answer is a failed attempt).
public struct WebhookSender: Sendable {
    /// The longest answer body read.
    static let maximumBody = 64 * 1024
    let outbound: OutboundHTTP
    let timeout: Duration

    public init(outbound: OutboundHTTP = OutboundHTTP(), timeout: Duration = .seconds(5)) {
        self.outbound = outbound
        self.timeout = timeout
    }

    public func send(
        url: String, method: String, parameters: [(name: String, value: String)], authToken: String, idempotencyToken: String
    ) async -> WebhookResponse {
        let encoded = WebhookForm.encode(parameters)
        var request: HTTPClientRequest
        let signature: String
        if method == "GET" {
            let full = encoded.isEmpty ? url : url + (url.contains("?") ? "&" : "?") + encoded
            request = HTTPClientRequest(url: full)
            request.method = .GET
            signature = TwilioSignature.compute(url: full, parameters: [], authToken: authToken)
        } else {
            request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: encoded))
            signature = TwilioSignature.compute(url: url, parameters: parameters, authToken: authToken)
        }
        request.headers.add(name: "X-Twilio-Signature", value: signature)
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: idempotencyToken)
        request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1 (Parley)")
        let outbound = self.outbound
        let timeout = self.timeout
        let prepared = request
        let outcome = await withTimeLimit(timeout) {
            do {
                return try await outbound.execute(prepared, purpose: "webhook", timeout: timeout) { response in
                    let body = try await response.body.collect(upTo: Self.maximumBody)
                    let status = Int(response.status.code)
                    let text = body.getString(at: body.readerIndex, length: body.readableBytes) ?? ""
                    let error: String? =
                        switch status {
                        case 200..<300: nil
                        case 300..<400: "HTTP \(status) (redirects are not followed)"
                        default: "HTTP \(status)"
                        }
                    return WebhookResponse(statusCode: status, body: text, error: error, timedOut: false)
                }
            } catch {
                return WebhookResponse(statusCode: nil, body: "", error: "\(error)", timedOut: false)
            }
        }
        return outcome ?? WebhookResponse(statusCode: nil, body: "", error: "no answer within \(timeout)", timedOut: true)
    }
}
