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
public struct WebhookSender: Sendable {
    /// The longest answer body read.
    static let maximumBody = 64 * 1024
    let client: HTTPClient
    let timeout: Duration

    public init(client: HTTPClient = .shared, timeout: Duration = .seconds(5)) {
        self.client = client
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
        let client = self.client
        let timeout = self.timeout
        let prepared = request
        let outcome: WebhookResponse? = await withTaskGroup(of: WebhookResponse?.self) { group in
            group.addTask {
                do {
                    let response = try await client.execute(prepared, timeout: .milliseconds(Int64(timeout / .milliseconds(1))))
                    let body = try await response.body.collect(upTo: Self.maximumBody)
                    let status = Int(response.status.code)
                    let text = body.getString(at: body.readerIndex, length: body.readableBytes) ?? ""
                    return WebhookResponse(
                        statusCode: status, body: text, error: (200..<300).contains(status) ? nil : "HTTP \(status)", timedOut: false)
                } catch {
                    return WebhookResponse(statusCode: nil, body: "", error: "\(error)", timedOut: false)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return outcome ?? WebhookResponse(statusCode: nil, body: "", error: "no answer within \(timeout)", timedOut: true)
    }
}
