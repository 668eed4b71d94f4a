/// A member of a Conversation: a chat identity, or an external address paired with a proxy address.
public struct Participant: Sendable, Equatable, Codable {
    public var sid: String
    public var serviceSid: String
    public var conversationSid: String
    public var identity: String?
    public var binding: MessagingBinding?
    public var attributes: String
    public var roleSid: String?
    public var lastReadMessageIndex: Int64?
    public var lastReadTimestamp: String?
    public var notificationLevel: NotificationLevel = .default
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp

    /// The channel this participant is reached on.
    public var channel: Channel { binding?.channel ?? .chat }
}

/// Whether a participant wants push notifications for the conversation.
public enum NotificationLevel: String, Sendable, CaseIterable, Codable {
    case `default`, muted
}

/// How a non-chat participant is reached: their address and the proxy address they talk to.
/// A chat participant in a Group MMS has only a projected address.
public struct MessagingBinding: Sendable, Equatable, Codable {
    public var address: String?
    public var proxyAddress: String?
    public var projectedAddress: String?

    public init(address: String? = nil, proxyAddress: String? = nil, projectedAddress: String? = nil) {
        self.address = address
        self.proxyAddress = proxyAddress
        self.projectedAddress = projectedAddress
    }

    /// The channel, from the address prefix (`whatsapp:+1...`, `messenger:...`; plain numbers are SMS).
    public var channel: Channel {
        Channel(address: address ?? projectedAddress ?? "")
    }
}

/// The messaging channels Parley knows, named as Twilio names them in `messaging_binding.type`.
public enum Channel: String, Sendable, CaseIterable {
    case chat, sms, whatsapp, messenger, gbm, rcs, apple, email

    /// The channel an address belongs to: its `channel:` prefix, else SMS.
    public init(address: String) {
        if let colon = address.firstIndex(of: ":"), let channel = Channel(rawValue: address[..<colon].lowercased()), channel != .chat {
            self = channel
        } else {
            self = .sms
        }
    }
}
