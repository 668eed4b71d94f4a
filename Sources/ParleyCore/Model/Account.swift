/// The owner of everything in one Parley node: its credentials and account-wide configuration.
public struct Account: Sendable, Equatable {
    public var sid: String
    public var friendlyName: String
    public var authToken: String
    public var configuration: AccountConfiguration
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp
}

/// Account-wide defaults (`/v1/Configuration`).
public struct AccountConfiguration: Sendable, Equatable {
    /// The Service behind the `/v1/Conversations`, `/v1/Users` and `/v1/Roles` paths.
    public var defaultChatServiceSid: String?
    public var defaultMessagingServiceSid: String?
    /// ISO 8601 durations applied to new conversations that set no timers.
    public var defaultInactiveTimer: String?
    public var defaultClosedTimer: String?

    public init(defaultChatServiceSid: String? = nil, defaultMessagingServiceSid: String? = nil,
                defaultInactiveTimer: String? = nil, defaultClosedTimer: String? = nil) {
        self.defaultChatServiceSid = defaultChatServiceSid
        self.defaultMessagingServiceSid = defaultMessagingServiceSid
        self.defaultInactiveTimer = defaultInactiveTimer
        self.defaultClosedTimer = defaultClosedTimer
    }
}

/// An API key (`SK...`): a second credential for the account, used for REST (Basic auth) and to sign access tokens.
public struct APIKey: Sendable, Equatable {
    public var sid: String
    public var accountSid: String
    public var friendlyName: String
    public var secret: String
    public var dateCreated: Timestamp
}

/// Who is calling: established by authentication, passed to every service method.
public struct Principal: Sendable, Equatable {
    public var accountSid: String
    /// The credential used: the account SID itself or an API key SID.
    public var credentialSid: String
    /// Where the call came from: decides whether its changes fire webhooks (see `WebhookOrigin`).
    public var origin: WebhookOrigin

    public init(accountSid: String, credentialSid: String, origin: WebhookOrigin = .api(webhooksEnabled: false)) {
        self.accountSid = accountSid
        self.credentialSid = credentialSid
        self.origin = origin
    }
}
