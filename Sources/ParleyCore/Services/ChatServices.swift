/// Conversation Services (`/v1/Services`) and their configuration.
public struct ChatServices: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    public func create(_ principal: Principal, friendlyName: String?) async throws -> ChatService {
        guard let friendlyName, !friendlyName.isEmpty else {
            throw ParleyError.invalidParameter(name: "FriendlyName", reason: "is required")
        }
        try Validate.length(friendlyName, Limits.friendlyName, name: "FriendlyName")
        let now = self.now()
        return try await store.write { tx in
            _ = try AccountService.requireAccount(principal, tx)
            return try Self.insertService(friendlyName: friendlyName, accountSid: principal.accountSid, now: now, in: tx)
        }
    }

    public func fetch(_ principal: Principal, sid: String) async throws -> ChatService {
        try await store.read { tx in try tx.resolveService(principal, .service(sid)) }
    }

    public func list(_ principal: Principal, page: PageRequest) async throws -> Page<ChatService> {
        try await store.read { tx in try tx.services(accountSid: principal.accountSid, page: page) }
    }

    /// Deletes a Service with everything in it. The account's default Service cannot be deleted.
    public func delete(_ principal: Principal, sid: String) async throws {
        try await store.write { tx in
            let service = try tx.resolveService(principal, .service(sid))
            if try AccountService.requireAccount(principal, tx).configuration.defaultChatServiceSid == service.sid {
                throw ParleyError.defaultServiceUndeletable(sid: service.sid)
            }
            try tx.deleteService(sid: service.sid)
        }
    }

    /// The Service's configuration (`/v1/Services/{IS}/Configuration`).
    public func configuration(_ principal: Principal, _ scope: ServiceScope) async throws -> ChatService {
        try await store.read { tx in try tx.resolveService(principal, scope) }
    }

    /// Changes to a Service's configuration; nil leaves a field as it is.
    public struct ConfigurationChanges: Sendable {
        public var defaultConversationCreatorRoleSid: String?
        public var defaultConversationRoleSid: String?
        public var defaultChatServiceRoleSid: String?
        public var reachabilityEnabled: Bool?
        public init() {}
    }

    public func updateConfiguration(_ principal: Principal, _ scope: ServiceScope, _ changes: ConfigurationChanges) async throws -> ChatService {
        let now = self.now()
        return try await store.write { tx in
            var service = try tx.resolveService(principal, scope)
            if let sid = try tx.roleParameter(
                changes.defaultConversationCreatorRoleSid, type: .conversation, in: service, name: "DefaultConversationCreatorRoleSid")
            {
                service.configuration.defaultConversationCreatorRoleSid = sid
            }
            if let sid = try tx.roleParameter(changes.defaultConversationRoleSid, type: .conversation, in: service, name: "DefaultConversationRoleSid") {
                service.configuration.defaultConversationRoleSid = sid
            }
            if let sid = try tx.roleParameter(changes.defaultChatServiceRoleSid, type: .service, in: service, name: "DefaultChatServiceRoleSid") {
                service.configuration.defaultChatServiceRoleSid = sid
            }
            if let enabled = changes.reachabilityEnabled { service.configuration.reachabilityEnabled = enabled }
            service.dateUpdated = now
            try tx.update(service)
            return service
        }
    }

    /// Inserts a Service with Twilio's default roles and a configuration pointing at them.
    static func insertService(friendlyName: String, accountSid: String, now: Timestamp, in tx: StoreTransaction) throws -> ChatService {
        var service = ChatService(
            sid: SID.make(.service, now: now), accountSid: accountSid, friendlyName: friendlyName, configuration: ServiceConfiguration(),
            dateCreated: now, dateUpdated: now)
        try tx.insert(service)
        var roleSids: [String: String] = [:]
        for role in Permissions.defaults {
            let sid = SID.make(.role, now: now)
            try tx.insert(
                Role(sid: sid, serviceSid: service.sid, friendlyName: role.name, type: role.type, permissions: role.permissions,
                     dateCreated: now, dateUpdated: now))
            roleSids[role.name] = sid
        }
        service.configuration = ServiceConfiguration(
            defaultConversationCreatorRoleSid: roleSids["channel admin"], defaultConversationRoleSid: roleSids["channel user"],
            defaultChatServiceRoleSid: roleSids["service user"], reachabilityEnabled: false)
        try tx.update(service)
        return service
    }
}
