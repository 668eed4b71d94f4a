/// Users (`/v1/Users`, `/v1/Services/{IS}/Users`): the chat identities of a Service.
public struct UserService: Sendable {
    let store: Store
    let events: EventRecorder
    let now: @Sendable () -> Timestamp

    /// The fields of a User a request may set; nil leaves a field as it is (or unset on create).
    public struct Changes: Sendable {
        public var identity: String?
        public var friendlyName: String?
        public var attributes: String?
        public var roleSid: String?
        public init(identity: String? = nil, friendlyName: String? = nil, attributes: String? = nil, roleSid: String? = nil) {
            self.identity = identity
            self.friendlyName = friendlyName
            self.attributes = attributes
            self.roleSid = roleSid
        }
    }

    public func create(_ principal: Principal, _ scope: ServiceScope, _ changes: Changes) async throws -> User {
        guard let identity = changes.identity, !identity.isEmpty else { throw ParleyError.invalidParameter(name: "Identity", reason: "is required") }
        try Self.validateIdentity(identity)
        try Self.validate(changes)
        let now = self.now()
        let events = self.events.acting(principal)
        return try await store.write { tx in
            let service = try tx.resolveService(principal, scope)
            if try tx.user(sidOrIdentity: identity, serviceSid: service.sid) != nil { throw ParleyError.userIdentityTaken(identity) }
            let user = User(
                sid: SID.make(.user, now: now), serviceSid: service.sid, identity: identity, friendlyName: changes.friendlyName,
                attributes: changes.attributes ?? "{}",
                roleSid: try tx.roleParameter(changes.roleSid, type: .service, in: service) ?? service.configuration.defaultChatServiceRoleSid,
                dateCreated: now, dateUpdated: now)
            try tx.insert(user)
            try events.webhook(.onUserAdded, WebhookParameters.user(user), serviceSid: service.sid, conversationSid: nil, now: now, in: tx)
            return user
        }
    }

    public func fetch(_ principal: Principal, _ scope: ServiceScope, sidOrIdentity: String) async throws -> User {
        try await store.read { tx in try tx.requireUser(sidOrIdentity, in: tx.resolveService(principal, scope)) }
    }

    public func list(_ principal: Principal, _ scope: ServiceScope, page: PageRequest) async throws -> Page<User> {
        try await store.read { tx in try tx.users(serviceSid: tx.resolveService(principal, scope).sid, page: page) }
    }

    public func update(_ principal: Principal, _ scope: ServiceScope, sidOrIdentity: String, _ changes: Changes) async throws -> User {
        try Self.validate(changes)
        let now = self.now()
        let events = self.events.acting(principal)
        _ = try await events.before(.onUserUpdate, store: store) { tx in
            let user = try tx.requireUser(sidOrIdentity, in: tx.resolveService(principal, scope))
            return (user.serviceSid, WebhookParameters.user(user))
        }
        return try await store.write { tx in
            let service = try tx.resolveService(principal, scope)
            let user = try tx.requireUser(sidOrIdentity, in: service)
            return try Self.update(user, changes, in: service, events: events, now: now, tx: tx)
        }
    }

    /// Applies validated (`validate`) changes, except the identity, and tells the user's clients `userUpdated`.
    static func update(_ user: User, _ changes: Changes, in service: ChatService, events: EventRecorder, now: Timestamp, tx: StoreTransaction) throws
        -> User
    {
        var user = user
        if let name = changes.friendlyName { user.friendlyName = name }
        if let attributes = changes.attributes { user.attributes = attributes }
        if let role = try tx.roleParameter(changes.roleSid, type: .service, in: service) { user.roleSid = role }
        user.dateUpdated = now
        try tx.update(user)
        try events.record(.userUpdated, .user(user), conversationSid: nil, serviceSid: service.sid, to: [user.identity], now: now, in: tx)
        try events.webhook(.onUserUpdated, WebhookParameters.user(user), serviceSid: service.sid, conversationSid: nil, now: now, in: tx)
        return user
    }

    /// Deletes the User. Their participations stay: a conversation's history does not change when a user leaves the Service.
    public func delete(_ principal: Principal, _ scope: ServiceScope, sidOrIdentity: String) async throws {
        try await store.write { tx in
            let user = try tx.requireUser(sidOrIdentity, in: tx.resolveService(principal, scope))
            try tx.deleteUser(sid: user.sid)
        }
    }

    static func validateIdentity(_ identity: String) throws {
        try Validate.length(identity, Limits.identity, name: "Identity")
        if SID.looksLike(identity, .user) { throw ParleyError.identityLooksLikeSID(identity) }
    }

    static func validate(_ changes: Changes) throws {
        try Validate.length(changes.friendlyName, Limits.friendlyName, name: "FriendlyName")
        _ = try Validate.attributes(changes.attributes, limit: Limits.userAttributes)
    }

    /// The User for a chat identity, created with the Service's default role on first use (as Twilio does when
    /// a participant joins with an identity no User has yet).
    static func ensureUser(identity: String, in service: ChatService, now: Timestamp, tx: StoreTransaction) throws {
        if try tx.user(sidOrIdentity: identity, serviceSid: service.sid) != nil { return }
        try tx.insert(
            User(
                sid: SID.make(.user, now: now), serviceSid: service.sid, identity: identity, friendlyName: nil, attributes: "{}",
                roleSid: service.configuration.defaultChatServiceRoleSid, dateCreated: now, dateUpdated: now))
    }
}
