/// Account- or Service-level webhook targets (`/v1/Configuration/Webhooks`, `/v1/Services/{IS}/Configuration/Webhooks`).
public struct WebhookConfiguration: Sendable, Equatable {
    /// The account (`AC...`) or Service (`IS...`) this configures.
    public var scopeSid: String
    public var accountSid: String
    /// Set for a Service's configuration, nil for the account's.
    public var serviceSid: String?
    public var preWebhookURL: String?
    public var postWebhookURL: String?
    /// `GET` or `POST`.
    public var method: String
    /// The events sent; an event not listed is not sent.
    public var filters: [String]
    /// `webhook` or `flex` (account level only; `flex` is stored, Parley has no Flex).
    public var target: String

    public init(
        scopeSid: String, accountSid: String, serviceSid: String? = nil, preWebhookURL: String? = nil, postWebhookURL: String? = nil,
        method: String = "POST", filters: [String] = [], target: String = "webhook"
    ) {
        self.scopeSid = scopeSid
        self.accountSid = accountSid
        self.serviceSid = serviceSid
        self.preWebhookURL = preWebhookURL
        self.postWebhookURL = postWebhookURL
        self.method = method
        self.filters = filters
        self.target = target
    }
}

/// A conversation-scoped webhook (`WH...`, `/v1/Conversations/{CH}/Webhooks`): post-action events of one conversation.
public struct ConversationWebhook: Sendable, Equatable {
    public enum Target: String, Sendable, CaseIterable {
        /// Every filtered event goes to `url`.
        case webhook
        /// `onMessageAdded` goes to `url` when the body holds one of `triggers`.
        case trigger
        /// A Studio flow: stored, but Parley runs no Studio; a firing is recorded as a failed delivery.
        case studio
    }

    public var sid: String
    public var serviceSid: String
    public var conversationSid: String
    public var target: Target
    public var url: String?
    /// `GET` or `POST`; nil for studio.
    public var method: String?
    public var filters: [String]
    public var triggers: [String]
    public var flowSid: String?
    public var replayAfter: Int64?
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp

    public init(
        sid: String, serviceSid: String, conversationSid: String, target: Target, url: String?, method: String?, filters: [String],
        triggers: [String], flowSid: String?, replayAfter: Int64?, dateCreated: Timestamp, dateUpdated: Timestamp
    ) {
        self.sid = sid
        self.serviceSid = serviceSid
        self.conversationSid = conversationSid
        self.target = target
        self.url = url
        self.method = method
        self.filters = filters
        self.triggers = triggers
        self.flowSid = flowSid
        self.replayAfter = replayAfter
        self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated
    }
}

/// One row of the webhook outbox: one event for one URL, with its delivery state.
public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, delivered, failed
    }
    public enum Scope: String, Sendable {
        case account, service, conversation
    }

    /// The outbox order (rowid); 0 until inserted.
    public var seq: Int64
    public var idempotencyToken: String
    public var accountSid: String
    public var serviceSid: String?
    public var conversationSid: String?
    public var scope: Scope
    public var webhookSid: String?
    public var eventType: String
    public var url: String
    public var method: String
    /// The parameters, form-encoded (`WebhookForm.encode`).
    public var body: String
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: WebhookTime
    public var lastStatusCode: Int?
    public var lastError: String?
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp
}
