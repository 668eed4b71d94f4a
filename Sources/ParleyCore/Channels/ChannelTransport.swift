/// How an outbound delivery leaves the process: Twilio's Messages API, a JSON webhook, or the sandbox log.
/// A transport answers for one attempt; the worker records the outcome and decides about retries.
public protocol ChannelTransport: Sendable {
    /// Sends one delivery. Must return within a bounded time (transports over HTTP use a request timeout).
    func send(_ delivery: OutboundDelivery) async -> DeliveryOutcome
}

/// What one attempt at a delivery came to.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The channel took it: its id for the message and the receipt status it reported.
    case accepted(channelMessageSid: String, status: ReceiptStatus)
    /// The channel refused it for good (a bad number, a type it does not carry): the receipt fails with `code`.
    case rejected(code: Int, reason: String)
    /// It may work later (a timeout, a 5xx, a 429): tried again with backoff, up to the limit.
    case retry(reason: String)
}

/// Which transport outbound deliveries use, with its settings (`parley serve --channel-transport`).
public enum ChannelTransportConfiguration: Sendable, Equatable {
    /// Deliveries are recorded in the `sandbox_deliveries` table (`GET /v1/Sandbox/Deliveries`); nothing leaves.
    case sandbox
    /// Twilio's Messages API: `POST {baseURL}/2010-04-01/Accounts/{accountSid}/Messages.json` with Basic auth.
    case twilio(baseURL: String, accountSid: String, authToken: String)
    /// A JSON POST per delivery to `url`, for any other gateway.
    case webhook(url: String)
}
