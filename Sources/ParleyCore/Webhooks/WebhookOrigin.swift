/// Where a change came from, which decides whether it fires webhooks and what their `Source` says.
///
/// Twilio fires webhooks for SDK and channel (SMS, WhatsApp) actions always, and for REST actions only when the
/// request carried `X-Twilio-Webhook-Enabled: true` (so a backend reacting to a webhook through the REST API does not loop).
public enum WebhookOrigin: Sendable, Equatable {
    /// The REST API (`/v1`); `webhooksEnabled` is the `X-Twilio-Webhook-Enabled` header.
    case api(webhooksEnabled: Bool)
    /// A chat client acting as `identity` (the client API, `/client/v1`, or the WebSocket).
    case sdk(identity: String)
    /// An inbound channel message (`SMS`, `WHATSAPP`, ...).
    case channel(String)

    /// Whether changes from here fire webhooks at all.
    public var firesWebhooks: Bool {
        switch self {
        case .api(let enabled): enabled
        case .sdk, .channel: true
        }
    }

    /// The `Source` parameter: `API`, `SDK`, `SMS`, `WHATSAPP`, ...
    public var source: String {
        switch self {
        case .api: "API"
        case .sdk: "SDK"
        case .channel(let name): name.uppercased()
        }
    }

    /// The `ClientIdentity` parameter, sent for SDK actions only.
    public var clientIdentity: String? {
        if case .sdk(let identity) = self { return identity }
        return nil
    }
}
