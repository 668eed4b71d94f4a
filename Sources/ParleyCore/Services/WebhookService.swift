import Foundation

/// Webhook configuration (`/v1/Configuration/Webhooks`, `/v1/Services/{IS}/Configuration/Webhooks`), conversation-scoped
/// webhooks (`/v1/Conversations/{CH}/Webhooks`) and the failed-delivery log (`/v1/Webhooks/Failures`).
public struct WebhookService: Sendable {
    let store: Store
    public let settings: WebhookSettings
    /// Wakes the delivery worker after commits that added outbox rows.
    public let signal: WebhookSignal
    let recorder: WebhookRecorder
    /// Which targets webhook URLs may name (checked when configured for literal addresses, and on every send).
    let policy: OutboundPolicy
    let now: @Sendable () -> Timestamp

    /// Most webhooks one conversation may have (Twilio: 5).
    public static let maximumPerConversation = 5
    /// Longest trigger keyword.
    static let maximumTriggerLength = 248
    /// `Filters` of the account and Service configuration: any event.
    static let configurationFilters = WebhookFilters(events: Set(WebhookEvent.allCases.map(\.rawValue)), parameter: "Filters")
    /// `Configuration.Filters` of a conversation webhook: the post-action events inside a conversation.
    static let conversationFilters = WebhookFilters(events: Set(WebhookEvent.conversationScoped.map(\.rawValue)), parameter: "Configuration.Filters")

    init(store: Store, settings: WebhookSettings, outbound: OutboundHTTP, now: @escaping @Sendable () -> Timestamp) {
        self.store = store
        self.settings = settings
        self.signal = WebhookSignal()
        self.recorder = WebhookRecorder(store: store, signal: signal, sender: WebhookSender(outbound: outbound, timeout: settings.timeout))
        self.policy = outbound.policy
        self.now = now
    }

    // MARK: - Account and Service configuration

    /// Changes to an account or Service webhook configuration; nil leaves a field as it is, "" clears a URL.
    public struct ConfigurationChanges: Sendable {
        public var preWebhookURL: String?
        public var postWebhookURL: String?
        public var method: String?
        /// Replaces the filters when given.
        public var filters: [String]?
        public var target: String?
        public init() {}
    }

    /// The account's configuration (`/v1/Configuration/Webhooks`); defaults when never set.
    public func accountConfiguration(_ principal: Principal) async throws -> WebhookConfiguration {
        try await store.read { tx in
            let account = try AccountService.requireAccount(principal, tx)
            return try tx.webhookConfiguration(scopeSid: account.sid) ?? WebhookConfiguration(scopeSid: account.sid, accountSid: account.sid)
        }
    }

    public func updateAccountConfiguration(_ principal: Principal, _ changes: ConfigurationChanges) async throws -> WebhookConfiguration {
        let changes = try Self.validate(changes, allowsTarget: true, policy: policy)
        let now = self.now()
        return try await store.write { tx in
            let account = try AccountService.requireAccount(principal, tx)
            var configuration = try tx.webhookConfiguration(scopeSid: account.sid) ?? WebhookConfiguration(scopeSid: account.sid, accountSid: account.sid)
            Self.apply(changes, to: &configuration)
            try tx.save(configuration, at: now)
            return configuration
        }
    }

    /// A Service's configuration (`/v1/Services/{IS}/Configuration/Webhooks`); defaults when never set.
    public func serviceConfiguration(_ principal: Principal, _ scope: ServiceScope) async throws -> WebhookConfiguration {
        try await store.read { tx in
            let service = try tx.resolveService(principal, scope)
            return try tx.webhookConfiguration(scopeSid: service.sid)
                ?? WebhookConfiguration(scopeSid: service.sid, accountSid: service.accountSid, serviceSid: service.sid)
        }
    }

    public func updateServiceConfiguration(_ principal: Principal, _ scope: ServiceScope, _ changes: ConfigurationChanges) async throws
        -> WebhookConfiguration
    {
        let changes = try Self.validate(changes, allowsTarget: false, policy: policy)
        let now = self.now()
        return try await store.write { tx in
            let service = try tx.resolveService(principal, scope)
            var configuration = try tx.webhookConfiguration(scopeSid: service.sid)
                ?? WebhookConfiguration(scopeSid: service.sid, accountSid: service.accountSid, serviceSid: service.sid)
            Self.apply(changes, to: &configuration)
            try tx.save(configuration, at: now)
            return configuration
        }
    }

    private static func validate(_ changes: ConfigurationChanges, allowsTarget: Bool, policy: OutboundPolicy) throws -> ConfigurationChanges {
        var changes = changes
        if let url = changes.preWebhookURL, !url.isEmpty { try validateURL(url, name: "PreWebhookUrl", policy: policy) }
        if let url = changes.postWebhookURL, !url.isEmpty { try validateURL(url, name: "PostWebhookUrl", policy: policy) }
        changes.method = try changes.method.map { try validateMethod($0, name: "Method") }
        changes.filters = try changes.filters.map { try configurationFilters.normalized($0, unknown: ParleyError.invalidWebhookFilter) }
        if let target = changes.target {
            guard allowsTarget, ["webhook", "flex"].contains(target.lowercased()) else {
                throw ParleyError.invalidParameter(name: "Target", reason: "must be webhook or flex")
            }
            changes.target = target.lowercased()
        }
        return changes
    }

    private static func apply(_ changes: ConfigurationChanges, to configuration: inout WebhookConfiguration) {
        if let url = changes.preWebhookURL { configuration.preWebhookURL = url.isEmpty ? nil : url }
        if let url = changes.postWebhookURL { configuration.postWebhookURL = url.isEmpty ? nil : url }
        if let method = changes.method { configuration.method = method }
        if let filters = changes.filters { configuration.filters = filters }
        if let target = changes.target { configuration.target = target }
    }

    /// An absolute http(s) URL with a host, at most 2048 characters, whose host is not an address (or `localhost`)
    /// that `policy` refuses; a name is checked each time it is called.
    static func validateURL(_ url: String, name: String, policy: OutboundPolicy) throws {
        guard url.count <= 2048, let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty, let parsed = URL(string: url)
        else { throw ParleyError.invalidParameter(name: name, reason: "must be an absolute http or https URL") }
        if let refusal = policy.refusalAtConfiguration(parsed) {
            throw ParleyError.invalidParameter(
                name: name, reason: "must name a public address: \(refusal) (the server calls private targets only when started with --allow-private-targets)")
        }
    }

    /// `GET` or `POST`, in any case; answered upper-case.
    static func validateMethod(_ method: String, name: String) throws -> String {
        let upper = method.uppercased()
        guard upper == "GET" || upper == "POST" else { throw ParleyError.invalidParameter(name: name, reason: "must be GET or POST") }
        return upper
    }

    // MARK: - Conversation webhooks

    /// The fields of a conversation webhook a request may set (`Configuration.*`); nil leaves a field as it is.
    public struct ConversationWebhookChanges: Sendable {
        public var target: String?
        public var url: String?
        public var method: String?
        public var filters: [String]?
        public var triggers: [String]?
        public var flowSid: String?
        public var replayAfter: Int64?
        public init() {}
    }

    public func createConversationWebhook(_ principal: Principal, _ scope: ServiceScope, conversation: String, _ changes: ConversationWebhookChanges)
        async throws -> ConversationWebhook
    {
        guard let targetName = changes.target, !targetName.isEmpty else { throw ParleyError.invalidParameter(name: "Target", reason: "is required") }
        guard let target = ConversationWebhook.Target(rawValue: targetName.lowercased()) else { throw ParleyError.invalidWebhookTarget(targetName) }
        let now = self.now()
        var webhook = ConversationWebhook(
            sid: SID.make(.webhook, now: now), serviceSid: "", conversationSid: "", target: target, url: nil, method: nil, filters: [], triggers: [],
            flowSid: nil, replayAfter: changes.replayAfter, dateCreated: now, dateUpdated: now)
        try Self.apply(changes, to: &webhook, policy: policy)
        try Self.validateComplete(webhook)
        if let replayAfter = changes.replayAfter, replayAfter < 0 {
            throw ParleyError.invalidParameter(name: "Configuration.ReplayAfter", reason: "must be a message index, 0 or more")
        }
        return try await store.write { [webhook] tx in
            var webhook = webhook
            let found = try tx.requireConversation(conversation, in: tx.resolveService(principal, scope))
            guard try tx.conversationWebhooks(conversationSid: found.sid).count < Self.maximumPerConversation else {
                throw ParleyError.conversationWebhookLimitReached(limit: Self.maximumPerConversation)
            }
            webhook.serviceSid = found.serviceSid
            webhook.conversationSid = found.sid
            try tx.insert(webhook)
            return webhook
        }
    }

    public func conversationWebhooks(_ principal: Principal, _ scope: ServiceScope, conversation: String) async throws -> [ConversationWebhook] {
        try await store.read { tx in
            try tx.conversationWebhooks(conversationSid: tx.requireConversation(conversation, in: tx.resolveService(principal, scope)).sid)
        }
    }

    public func conversationWebhook(_ principal: Principal, _ scope: ServiceScope, conversation: String, sid: String) async throws
        -> ConversationWebhook
    {
        try await store.read { tx in try Self.require(sid, conversation: conversation, principal, scope, tx) }
    }

    /// Updates `Configuration.*` (not the target, nor ReplayAfter, which only a create takes).
    public func updateConversationWebhook(
        _ principal: Principal, _ scope: ServiceScope, conversation: String, sid: String, _ changes: ConversationWebhookChanges
    ) async throws -> ConversationWebhook {
        let now = self.now()
        let policy = self.policy
        return try await store.write { tx in
            var webhook = try Self.require(sid, conversation: conversation, principal, scope, tx)
            try Self.apply(changes, to: &webhook, policy: policy)
            try Self.validateComplete(webhook)
            webhook.dateUpdated = now
            try tx.update(webhook)
            return webhook
        }
    }

    public func deleteConversationWebhook(_ principal: Principal, _ scope: ServiceScope, conversation: String, sid: String) async throws {
        try await store.write { tx in
            let webhook = try Self.require(sid, conversation: conversation, principal, scope, tx)
            try tx.deleteConversationWebhook(sid: webhook.sid)
        }
    }

    private static func require(_ sid: String, conversation: String, _ principal: Principal, _ scope: ServiceScope, _ tx: StoreTransaction) throws
        -> ConversationWebhook
    {
        let found = try tx.requireConversation(conversation, in: tx.resolveService(principal, scope))
        guard let webhook = try tx.conversationWebhook(sid: sid, conversationSid: found.sid) else {
            throw ParleyError.notFound(resource: "/Conversations/\(found.sid)/Webhooks/\(sid)")
        }
        return webhook
    }

    private static func apply(_ changes: ConversationWebhookChanges, to webhook: inout ConversationWebhook, policy: OutboundPolicy) throws {
        if let url = changes.url {
            try validateURL(url, name: "Configuration.Url", policy: policy)
            webhook.url = url
        }
        if let method = changes.method { webhook.method = try validateMethod(method, name: "Configuration.Method") }
        if let filters = changes.filters {
            webhook.filters = try conversationFilters.normalized(filters, unknown: ParleyError.invalidWebhookFilter)
        }
        if let triggers = changes.triggers {
            if let bad = triggers.first(where: { $0.isEmpty || $0.count > maximumTriggerLength }) { throw ParleyError.invalidWebhookTrigger(bad) }
            webhook.triggers = triggers
        }
        if let flow = changes.flowSid {
            try Validate.sid(flow, .studioFlow, name: "Configuration.FlowSid")
            webhook.flowSid = flow
        }
    }

    /// What each target needs: a URL for webhook and trigger (with keywords for trigger), a flow for studio.
    private static func validateComplete(_ webhook: ConversationWebhook) throws {
        switch webhook.target {
        case .webhook, .trigger:
            guard webhook.url != nil else { throw ParleyError.invalidParameter(name: "Configuration.Url", reason: "is required for target \(webhook.target.rawValue)") }
            if webhook.target == .trigger, webhook.triggers.isEmpty {
                throw ParleyError.invalidParameter(name: "Configuration.Triggers", reason: "is required for target trigger")
            }
        case .studio:
            guard webhook.flowSid != nil else { throw ParleyError.invalidParameter(name: "Configuration.FlowSid", reason: "is required for target studio") }
        }
    }

    // MARK: - Deliveries

    /// The account's deliveries that were given up (`status`: failed, by default), oldest first, with their last error.
    public func deliveries(_ principal: Principal, status: WebhookDelivery.Status = .failed, page: PageRequest) async throws -> Page<WebhookDelivery> {
        try await store.read { tx in try tx.webhookDeliveries(accountSid: principal.accountSid, status: status, page: page) }
    }
}
