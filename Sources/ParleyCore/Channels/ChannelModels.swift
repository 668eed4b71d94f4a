/// SIDs of the channel resources, which the core's `SIDPrefix` does not list: delivery receipts (`DY`), Address
/// Configurations (`IG`) and channel message ids (`SM`, as Twilio's Messages API gives them).
public enum ChannelSID {
    public static let receipt = "DY"
    public static let addressConfiguration = "IG"
    public static let channelMessage = "SM"

    /// A fresh SID with `prefix`, made like every other SID (time-ordered, then random).
    public static func make(_ prefix: String, now: Timestamp = .now) -> String {
        prefix + SID.make(.message, now: now).dropFirst(2)
    }

    /// Whether `value` is `prefix` followed by 32 hex digits.
    public static func isValid(_ value: String, _ prefix: String) -> Bool {
        value.hasPrefix(prefix) && SID.isValid("IM" + value.dropFirst(2), .message)
    }

    /// Whether `value` looks like any channel message SID: two letters and 32 hex digits.
    public static func isChannelMessageSid(_ value: String) -> Bool {
        let letters = value.prefix(2)
        return letters.count == 2 && letters.allSatisfy { $0.isASCII && $0.isLetter } && SID.isValid("IM" + value.dropFirst(2), .message)
    }
}

/// Where a delivery receipt stands. `queued` is Parley's own first state (written with the message); the rest are
/// Twilio's receipt statuses, in the order a message moves through them.
public enum ReceiptStatus: String, Sendable, CaseIterable {
    case queued, sent, delivered, read, failed, undelivered

    /// How far along the status is: a status callback never moves a receipt back.
    var rank: Int {
        switch self {
        case .queued: 0
        case .sent: 1
        case .delivered: 2
        case .read: 3
        case .failed, .undelivered: 4
        }
    }

    /// The receipt status for a status Twilio's Messages API reports (`MessageStatus`), or nil for one that
    /// changes nothing (`queued`, `accepted`, `sending`, ...).
    public init?(messageStatus: String) {
        switch messageStatus.lowercased() {
        case "sent": self = .sent
        case "delivered": self = .delivered
        case "read": self = .read
        case "failed", "canceled": self = .failed
        case "undelivered": self = .undelivered
        default: return nil
        }
    }
}

/// A delivery receipt (`DY`): how one message fares on its way to one messaging participant.
public struct DeliveryReceipt: Sendable, Equatable {
    public var sid: String
    public var serviceSid: String
    public var conversationSid: String
    public var messageSid: String
    public var participantSid: String
    public var channelMessageSid: String?
    public var status: ReceiptStatus
    public var errorCode: Int
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp
}

/// One outbox row as the worker sends it: from the participant's proxy address to its address.
public struct OutboundDelivery: Sendable, Equatable {
    public var receiptSid: String
    public var serviceSid: String
    public var conversationSid: String
    public var messageSid: String
    public var channel: Channel
    public var from: String
    public var to: String
    public var body: String?
    /// Absolute URLs, or paths (`/v1/...`) to resolve against the server's public URL.
    public var mediaURLs: [String]
    /// Attempts made so far, this one included.
    public var attempts: Int
}

/// An entry of the sandbox transport's log: a message that would have left.
public struct SandboxDelivery: Sendable, Equatable {
    public var sid: String
    public var receiptSid: String
    public var channel: String
    public var from: String
    public var to: String
    public var body: String?
    public var mediaURLs: [String]
    public var dateCreated: Timestamp
}

/// An Address Configuration (`IG`, `/v1/Configuration/Addresses`): what an inbound message to an address no binding
/// holds does.
public struct AddressConfiguration: Sendable, Equatable {
    public var sid: String
    public var accountSid: String
    public var type: String
    public var address: String
    public var friendlyName: String?
    public var autoCreation: AutoCreation
    public var addressCountry: String?
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp

    /// The spec's `auto_creation` object.
    public struct AutoCreation: Sendable, Equatable {
        public var enabled: Bool = false
        /// `default`, `webhook` or `studio`.
        public var type: String?
        /// nil: the account's default Service, whichever it is when a message autocreates (and when read).
        public var conversationServiceSid: String?
        public var webhookURL: String?
        public var webhookMethod: String?
        public var webhookFilters: [String]?
        public var studioFlowSid: String?
        public var studioRetryCount: Int64?
        public init() {}
    }
}

/// An inbound channel message as Twilio's incoming-message webhook posts it.
public struct InboundMessage: Sendable, Equatable {
    public var accountSid: String
    public var messageSid: String
    public var from: String
    public var to: String
    public var body: String?
    /// `MediaUrlN` with `MediaContentTypeN`, in order.
    public var media: [(url: String, contentType: String)]
    /// Every form field, kept with an unrouted message.
    public var parameters: [(name: String, value: String)]

    public init(
        accountSid: String, messageSid: String, from: String, to: String, body: String?, media: [(url: String, contentType: String)] = [],
        parameters: [(name: String, value: String)] = []
    ) {
        self.accountSid = accountSid
        self.messageSid = messageSid
        self.from = from
        self.to = to
        self.body = body
        self.media = media
        self.parameters = parameters
    }

    public static func == (lhs: InboundMessage, rhs: InboundMessage) -> Bool {
        lhs.accountSid == rhs.accountSid && lhs.messageSid == rhs.messageSid && lhs.from == rhs.from && lhs.to == rhs.to && lhs.body == rhs.body
    }
}

/// What became of an inbound message.
public enum InboundOutcome: Sendable, Equatable {
    /// Inserted into the conversation whose binding matched.
    case routed(conversationSid: String, messageSid: String)
    /// A conversation was created for it from an Address Configuration.
    case autocreated(conversationSid: String, messageSid: String)
    /// Kept in `unrouted_inbound`.
    case unrouted
    /// The same `MessageSid` was accepted before; nothing changed.
    case duplicate
}

extension Channel {
    /// The channel an address names, refusing a `prefix:` Parley does not know (plain numbers are SMS).
    public static func strict(address: String) -> Channel? {
        guard let colon = address.firstIndex(of: ":") else { return .sms }
        guard let channel = Channel(rawValue: address[..<colon].lowercased()), channel != .chat else { return nil }
        return channel
    }

    /// What the channel carries in media (`ChannelMediaLimit`).
    var mediaLimit: ChannelMediaLimit {
        switch self {
        case .sms: .sms
        case .whatsapp: .whatsapp
        default: .other
        }
    }

    /// The longest body the channel carries outbound (Twilio's 1600 characters for SMS and WhatsApp), or nil.
    var bodyLimit: Int? {
        switch self {
        case .sms, .whatsapp: 1600
        default: nil
        }
    }
}
