import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Twilio's Messages API: each delivery is `POST {base}/2010-04-01/Accounts/{AC}/Messages.json` with `From`, `To`,
/// `Body`, `MediaUrl` (repeated) and, when Parley knows its public URL, `StatusCallback` pointing at `/inbound/status`.
public struct TwilioTransport: ChannelTransport {
    let baseURL: String
    let accountSid: String
    let authToken: String
    /// Resolves media paths and builds the status callback URL; nil sends no callback URL.
    let publicURL: String?
    let timeout: Duration
    let client: HTTPClient

    public init(baseURL: String, accountSid: String, authToken: String, publicURL: String?, timeout: Duration = .seconds(15), client: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.accountSid = accountSid
        self.authToken = authToken
        self.publicURL = publicURL
        self.timeout = timeout
        self.client = client
    }

    public func send(_ delivery: OutboundDelivery) async -> DeliveryOutcome {
        var form: [(String, String)] = [("From", delivery.from), ("To", delivery.to)]
        if let body = delivery.body { form.append(("Body", body)) }
        for url in delivery.mediaURLs { form.append(("MediaUrl", HTTPDelivery.absolute(url, publicURL: publicURL))) }
        if let publicURL { form.append(("StatusCallback", "\(publicURL)/inbound/status")) }
        var request = HTTPClientRequest(url: "\(baseURL)/2010-04-01/Accounts/\(accountSid)/Messages.json")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Authorization", value: "Basic " + Data("\(accountSid):\(authToken)".utf8).base64EncodedString())
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: delivery.receiptSid)
        request.body = .bytes(ByteBuffer(string: HTTPDelivery.formEncode(form)))
        return await HTTPDelivery.execute(request, client: client, timeout: timeout) { json in
            let status = (json["status"] as? String).flatMap(ReceiptStatus.init(messageStatus:)) ?? .sent
            return (json["sid"] as? String, status)
        }
    }
}

/// A JSON POST per delivery to one URL, for gateways other than Twilio. The body is
/// `{"receipt_sid","message_sid","conversation_sid","chat_service_sid","channel","from","to","body","media_urls"}`;
/// a 2xx answer may name the gateway's id for the message as `{"sid": "..."}`.
public struct WebhookTransport: ChannelTransport {
    let url: String
    let publicURL: String?
    let timeout: Duration
    let client: HTTPClient

    public init(url: String, publicURL: String?, timeout: Duration = .seconds(15), client: HTTPClient = .shared) {
        self.url = url
        self.publicURL = publicURL
        self.timeout = timeout
        self.client = client
    }

    public func send(_ delivery: OutboundDelivery) async -> DeliveryOutcome {
        let payload: [String: Any] = [
            "receipt_sid": delivery.receiptSid, "message_sid": delivery.messageSid, "conversation_sid": delivery.conversationSid,
            "chat_service_sid": delivery.serviceSid, "channel": delivery.channel.rawValue, "from": delivery.from, "to": delivery.to,
            "body": delivery.body ?? NSNull(), "media_urls": delivery.mediaURLs.map { HTTPDelivery.absolute($0, publicURL: publicURL) },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data("{}".utf8)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: delivery.receiptSid)
        request.body = .bytes(ByteBuffer(bytes: data))
        return await HTTPDelivery.execute(request, client: client, timeout: timeout) { json in
            ((json["sid"] as? String).flatMap { ChannelSID.isChannelMessageSid($0) ? $0 : nil }, .sent)
        }
    }
}

/// What the HTTP transports share: sending with a timeout and reading the answer as an outcome.
enum HTTPDelivery {
    /// 2xx: accepted (with the id `accept` reads from the JSON body, or a fresh `SM` SID); 429 and 5xx, timeouts and
    /// connection errors: retry; other 4xx: rejected with the body's Twilio `code` (30008, unknown error, without one).
    static func execute(
        _ request: HTTPClientRequest, client: HTTPClient, timeout: Duration,
        accept: ([String: Any]) -> (sid: String?, status: ReceiptStatus)
    ) async -> DeliveryOutcome {
        do {
            let millis = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
            let response = try await client.execute(request, timeout: .milliseconds(millis))
            let body = try await response.body.collect(upTo: 1 << 20)
            let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? []
            let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
            let code = Int(response.status.code)
            switch code {
            case 200..<300:
                let answer = accept(json)
                return .accepted(channelMessageSid: answer.sid ?? ChannelSID.make(ChannelSID.channelMessage), status: answer.status)
            case 429, 500..<600:
                return .retry(reason: "HTTP \(code)")
            default:
                let reason = (json["message"] as? String) ?? "HTTP \(code)"
                return .rejected(code: (json["code"] as? Int) ?? 30008, reason: reason)
            }
        } catch {
            return .retry(reason: "\(error)")
        }
    }

    static func absolute(_ url: String, publicURL: String?) -> String {
        guard url.hasPrefix("/"), let publicURL else { return url }
        return publicURL + url
    }

    static func formEncode(_ pairs: [(String, String)]) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return pairs.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name) + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
    }
}
