/// Address Configurations (`/v1/Configuration/Addresses`, `IG` SIDs): per proxy address, whether an inbound message
/// no binding takes autocreates a conversation, and in which Service. Account-wide, like `/v1/Configuration`.
public struct AddressConfigurationService: Sendable {
    let store: Store
    /// Which targets `AutoCreation.WebhookUrl` may name (as for every webhook URL).
    let policy: OutboundPolicy
    let now: @Sendable () -> Timestamp

    /// The fields a request may set; nil leaves a field as it is. `type`, `address` and `addressCountry` only on create.
    public struct Changes: Sendable {
        public var type: String?
        public var address: String?
        public var friendlyName: String?
        public var addressCountry: String?
        public var autoCreationEnabled: Bool?
        public var autoCreationType: String?
        public var conversationServiceSid: String?
        public var webhookURL: String?
        public var webhookMethod: String?
        public var webhookFilters: [String]?
        public var studioFlowSid: String?
        public var studioRetryCount: Int64?
        public init() {}
    }

    static let types = ["sms", "whatsapp", "messenger", "gbm", "email", "rcs", "apple", "chat"]
    static let autoCreationTypes = ["webhook", "studio", "default"]
    /// `AutoCreation.WebhookFilters`: the events a conversation webhook may filter on.
    static let webhookFilters = WebhookFilters(
        events: Set(WebhookEvent.conversationScoped.map(\.rawValue)), parameter: "AutoCreation.WebhookFilters")

    public func create(_ principal: Principal, _ changes: Changes) async throws -> AddressConfiguration {
        guard let type = changes.type else { throw ParleyError.invalidParameter(name: "Type", reason: "is required") }
        guard Self.types.contains(type) else { throw ParleyError.invalidParameter(name: "Type", reason: "must be one of \(Self.types.joined(separator: ", "))") }
        guard let address = changes.address, !address.isEmpty else { throw ParleyError.invalidParameter(name: "Address", reason: "is required") }
        try Validate.length(address, Limits.address, name: "Address")
        try Self.validate(changes, policy: policy)
        let now = self.now()
        return try await store.write { tx in
            if try tx.addressConfiguration(sidOrAddress: address, accountSid: principal.accountSid) != nil {
                throw ParleyError.invalidParameter(name: "Address", reason: "\(address) already has an Address Configuration")
            }
            var configuration = AddressConfiguration(
                sid: ChannelSID.make(ChannelSID.addressConfiguration, now: now), accountSid: principal.accountSid, type: type, address: address,
                friendlyName: nil, autoCreation: .init(), addressCountry: changes.addressCountry, dateCreated: now, dateUpdated: now)
            try Self.apply(changes, to: &configuration, principal: principal, tx: tx)
            try tx.insert(configuration)
            return try Self.reported([configuration], tx)[0]
        }
    }

    public func update(_ principal: Principal, sidOrAddress: String, _ changes: Changes) async throws -> AddressConfiguration {
        try Self.validate(changes, policy: policy)
        let now = self.now()
        return try await store.write { tx in
            var configuration = try Self.require(sidOrAddress, principal, tx)
            try Self.apply(changes, to: &configuration, principal: principal, tx: tx)
            configuration.dateUpdated = now
            try tx.update(configuration)
            return try Self.reported([configuration], tx)[0]
        }
    }

    public func fetch(_ principal: Principal, sidOrAddress: String) async throws -> AddressConfiguration {
        try await store.read { tx in try Self.reported([Self.require(sidOrAddress, principal, tx)], tx)[0] }
    }

    public func list(_ principal: Principal, type: String?, page: PageRequest) async throws -> Page<AddressConfiguration> {
        try await store.read { tx in
            let found = try tx.addressConfigurations(accountSid: principal.accountSid, type: type, page: page)
            return Page(items: try Self.reported(found.items, tx), next: found.next, previous: found.previous)
        }
    }

    public func delete(_ principal: Principal, sidOrAddress: String) async throws {
        try await store.write { tx in try tx.deleteAddressConfiguration(sid: Self.require(sidOrAddress, principal, tx).sid) }
    }

    /// The configurations as answered. One without a Service of its own autocreates in the account's default Service, so it
    /// reports that one, as of this read: it stores none, so it follows a later change of the default.
    private static func reported(_ configurations: [AddressConfiguration], _ tx: StoreTransaction) throws -> [AddressConfiguration] {
        guard let accountSid = configurations.first(where: { $0.autoCreation.conversationServiceSid == nil })?.accountSid else { return configurations }
        let defaultServiceSid = try tx.account(sid: accountSid)?.configuration.defaultChatServiceSid
        return configurations.map { configuration in
            var reported = configuration
            if reported.autoCreation.conversationServiceSid == nil { reported.autoCreation.conversationServiceSid = defaultServiceSid }
            return reported
        }
    }

    private static func require(_ sidOrAddress: String, _ principal: Principal, _ tx: StoreTransaction) throws -> AddressConfiguration {
        guard let configuration = try tx.addressConfiguration(sidOrAddress: sidOrAddress, accountSid: principal.accountSid) else {
            throw ParleyError.notFound(resource: "/Configuration/Addresses/\(sidOrAddress)")
        }
        return configuration
    }

    private static func validate(_ changes: Changes, policy: OutboundPolicy) throws {
        try Validate.length(changes.friendlyName, Limits.friendlyName, name: "FriendlyName")
        if let url = changes.webhookURL, !url.isEmpty { try WebhookService.validateURL(url, name: "AutoCreation.WebhookUrl", policy: policy) }
        if let type = changes.autoCreationType, !autoCreationTypes.contains(type) {
            throw ParleyError.invalidParameter(name: "AutoCreation.Type", reason: "must be one of webhook, studio, default")
        }
        try Validate.sid(changes.conversationServiceSid, .service, name: "AutoCreation.ConversationServiceSid")
        if let method = changes.webhookMethod, !["get", "post"].contains(method.lowercased()) {
            throw ParleyError.invalidParameter(name: "AutoCreation.WebhookMethod", reason: "must be GET or POST")
        }
        if let flow = changes.studioFlowSid, !ChannelSID.isValid(flow, "FW") {
            throw ParleyError.invalidParameter(name: "AutoCreation.StudioFlowSid", reason: "must be a Studio Flow SID (FW...)")
        }
        if let count = changes.studioRetryCount, count < 0 {
            throw ParleyError.invalidParameter(name: "AutoCreation.StudioRetryCount", reason: "must not be negative")
        }
    }

    private static func normalizedFilters(_ filters: [String]) throws -> [String] {
        try webhookFilters.normalized(filters) { ParleyError.invalidParameter(name: "AutoCreation.WebhookFilters", reason: "\($0) is not a webhook event") }
    }

    private static func apply(_ changes: Changes, to configuration: inout AddressConfiguration, principal: Principal, tx: StoreTransaction) throws {
        if let name = changes.friendlyName { configuration.friendlyName = name }
        if let enabled = changes.autoCreationEnabled { configuration.autoCreation.enabled = enabled }
        if let type = changes.autoCreationType { configuration.autoCreation.type = type }
        if let sid = changes.conversationServiceSid {
            guard try tx.service(sid: sid, accountSid: principal.accountSid) != nil else { throw ParleyError.notFound(resource: "/Services/\(sid)") }
            configuration.autoCreation.conversationServiceSid = sid
        }
        if let url = changes.webhookURL { configuration.autoCreation.webhookURL = url }
        if let method = changes.webhookMethod { configuration.autoCreation.webhookMethod = method.uppercased() }
        if let filters = changes.webhookFilters { configuration.autoCreation.webhookFilters = try normalizedFilters(filters) }
        if let flow = changes.studioFlowSid { configuration.autoCreation.studioFlowSid = flow }
        if let count = changes.studioRetryCount { configuration.autoCreation.studioRetryCount = count }
        if configuration.autoCreation.enabled && configuration.autoCreation.type == nil { configuration.autoCreation.type = "default" }
    }
}
