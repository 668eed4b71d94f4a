/// Conversations (`/v1/Conversations`, `/v1/Services/{IS}/Conversations`, `/v1/ConversationWithParticipants`).
public struct ConversationService: Sendable {
    let store: Store
    let events: EventRecorder
    let now: @Sendable () -> Timestamp

    /// The fields of a Conversation a request may set; nil leaves a field as it is (or unset on create).
    public struct Changes: Sendable {
        public var friendlyName: String?
        public var uniqueName: String?
        public var attributes: String?
        public var messagingServiceSid: String?
        public var state: ConversationState?
        public var timerInactive: String?
        public var timerClosed: String?
        public var emailAddress: String?
        public var emailName: String?
        public var dateCreated: Timestamp?
        public var dateUpdated: Timestamp?
        public init() {}
    }

    public func create(_ principal: Principal, _ scope: ServiceScope, _ changes: Changes) async throws -> Conversation {
        try Self.validate(changes, creating: true)
        let events = self.events.acting(principal)
        let changes = try await events.beforeConversationAdd(changes, store: store) { tx in try tx.resolveService(principal, scope) }
        let now = self.now()
        return try await store.write { tx in
            let conversation = try Self.insertConversation(changes, service: tx.resolveService(principal, scope), principal: principal, now: now, tx: tx)
            try events.conversationAdded(conversation, now: now, in: tx)
            return conversation
        }
    }

    /// Creates a conversation and its participants in one transaction: all of them, or none.
    /// Each participant is given as Twilio's `Participant` JSON (`identity`, `messaging_binding`, `attributes`, `role_sid`).
    public func createWithParticipants(_ principal: Principal, _ scope: ServiceScope, _ changes: Changes, participants: [String]) async throws
        -> Conversation
    {
        try Self.validate(changes, creating: true)
        guard participants.count <= Limits.participantsPerRequest else {
            throw ParleyError.tooManyParticipantsInRequest(limit: Limits.participantsPerRequest)
        }
        let inputs = try participants.map(ParticipantService.Changes.init(participantJSON:))
        let now = self.now()
        let events = self.events.acting(principal)
        return try await store.write { tx in
            let service = try tx.resolveService(principal, scope)
            let conversation = try Self.insertConversation(changes, service: service, principal: principal, now: now, tx: tx)
            try events.conversationAdded(conversation, now: now, in: tx)
            for input in inputs {
                do {
                    _ = try ParticipantService.insertParticipant(input, conversation: conversation, service: service, events: events, now: now, tx: tx)
                } catch ParleyError.bindingInUse(let address, let proxyAddress) {
                    throw ParleyError.bindingsInUse(address: address, proxyAddress: proxyAddress)
                } catch ParleyError.invalidParameter(_, let reason) {
                    throw ParleyError.invalidParticipantJSON(reason: reason)
                }
            }
            return conversation
        }
    }

    public func fetch(_ principal: Principal, _ scope: ServiceScope, sidOrUniqueName: String) async throws -> Conversation {
        try await store.read { tx in try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope)) }
    }

    public func list(_ principal: Principal, _ scope: ServiceScope, filter: ConversationFilter, page: PageRequest) async throws -> Page<Conversation> {
        try await store.read { tx in
            try tx.conversations(serviceSid: tx.resolveService(principal, scope).sid, filter: filter, page: page)
        }
    }

    public func update(_ principal: Principal, _ scope: ServiceScope, sidOrUniqueName: String, _ changes: Changes) async throws -> Conversation {
        try Self.validate(changes, creating: false)
        let now = self.now()
        let events = self.events.acting(principal)
        var changes = changes
        if let name = try await events.before(.onConversationUpdate, store: store, { [changes] tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            return (conversation.serviceSid, WebhookParameters.conversation(conversation, changedBy: changes))
        })["friendly_name"] {
            changes.friendlyName = name
            try Self.validate(changes, creating: false)
        }
        return try await store.write { [changes] tx in
            let service = try tx.resolveService(principal, scope)
            var conversation = try tx.requireConversation(sidOrUniqueName, in: service)
            let stateBefore = conversation.state
            guard conversation.state != .closed else { throw ParleyError.conversationClosed(sid: conversation.sid) }
            if let uniqueName = changes.uniqueName, uniqueName != conversation.uniqueName {
                if try tx.isUniqueNameTaken(uniqueName, serviceSid: service.sid, except: conversation.sid) {
                    throw ParleyError.conversationUniqueNameTaken(uniqueName)
                }
                conversation.uniqueName = uniqueName
            }
            Self.apply(changes, to: &conversation, now: now)
            conversation.dateUpdated = changes.dateUpdated ?? now
            try tx.update(conversation)
            try events.recordForMembers(.conversationUpdated, .conversation(conversation), conversation: conversation, now: now, in: tx)
            try events.conversationUpdated(conversation, stateBefore: stateBefore, now: now, in: tx)
            return conversation
        }
    }

    /// Deletes the conversation with its participants and messages.
    public func delete(_ principal: Principal, _ scope: ServiceScope, sidOrUniqueName: String) async throws {
        let now = self.now()
        let events = self.events.acting(principal)
        _ = try await events.before(.onConversationRemove, store: store) { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            return (conversation.serviceSid, WebhookParameters.conversation(conversation))
        }
        try await store.write { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            try events.recordForEachMember(.conversationRemoved, .conversation(conversation), conversation: conversation, now: now, in: tx)
            try events.webhook(
                .onConversationRemoved, WebhookParameters.conversation(conversation, removedAt: now), serviceSid: conversation.serviceSid,
                conversationSid: conversation.sid, now: now, in: tx)
            try tx.deleteConversation(sid: conversation.sid)
        }
    }

    static func validate(_ changes: Changes, creating: Bool) throws {
        try Validate.length(changes.friendlyName, Limits.friendlyName, name: "FriendlyName")
        try Validate.length(changes.uniqueName, Limits.uniqueName, name: "UniqueName")
        try Validate.notEmpty(changes.uniqueName, name: "UniqueName")
        if let uniqueName = changes.uniqueName, SID.looksLike(uniqueName, .conversation) {
            throw ParleyError.uniqueNameLooksLikeSID(uniqueName)
        }
        _ = try Validate.attributes(changes.attributes, limit: Limits.conversationAttributes)
        try Validate.sid(changes.messagingServiceSid, .messagingService, name: "MessagingServiceSid")
        _ = try Validate.duration(changes.timerInactive, minimum: Limits.minimumInactiveTimerSeconds, name: "Timers.Inactive")
        _ = try Validate.duration(changes.timerClosed, minimum: Limits.minimumClosedTimerSeconds, name: "Timers.Closed")
        try Validate.length(changes.emailAddress, Limits.address, name: "Bindings.Email.Address")
        try Validate.length(changes.emailName, Limits.friendlyName, name: "Bindings.Email.Name")
        if changes.state == .initializing {
            throw ParleyError.invalidParameter(name: "State", reason: "must be active, inactive or closed")
        }
        if creating, changes.state == nil, changes.timerInactive != nil || changes.timerClosed != nil {
            throw ParleyError.timersWithoutState
        }
    }

    /// Inserts a validated (`validate`) conversation; `createdBy` is the chat identity that created it (nil through the REST API).
    static func insertConversation(
        _ changes: Changes, service: ChatService, principal: Principal, createdBy: String? = nil, now: Timestamp, tx: StoreTransaction
    ) throws -> Conversation {
        if let uniqueName = changes.uniqueName, try tx.isUniqueNameTaken(uniqueName, serviceSid: service.sid) {
            throw ParleyError.conversationUniqueNameTaken(uniqueName)
        }
        var changes = changes
        if changes.timerInactive == nil && changes.timerClosed == nil {
            // Account-wide default timers apply to conversations that set none.
            let defaults = try AccountService.requireAccount(principal, tx).configuration
            changes.timerInactive = defaults.defaultInactiveTimer
            changes.timerClosed = defaults.defaultClosedTimer
        }
        let created = changes.dateCreated ?? now
        var conversation = Conversation(
            sid: SID.make(.conversation, now: now), serviceSid: service.sid, uniqueName: changes.uniqueName, friendlyName: nil,
            attributes: "{}", state: .active, messagingServiceSid: nil, timers: ConversationTimers(), emailBinding: nil,
            createdBy: createdBy, dateCreated: created, dateUpdated: changes.dateUpdated ?? created)
        apply(changes, to: &conversation, now: now)
        try tx.insert(conversation)
        return conversation
    }

    /// Applies every field except the unique name (checked against the Service first) and the dates.
    private static func apply(_ changes: Changes, to conversation: inout Conversation, now: Timestamp) {
        if let name = changes.friendlyName { conversation.friendlyName = name }
        if let attributes = changes.attributes { conversation.attributes = attributes }
        if let sid = changes.messagingServiceSid { conversation.messagingServiceSid = sid }
        if let state = changes.state { conversation.state = state }
        if let dateCreated = changes.dateCreated { conversation.dateCreated = dateCreated }
        if changes.emailAddress != nil || changes.emailName != nil {
            conversation.emailBinding = EmailBinding(
                address: changes.emailAddress ?? conversation.emailBinding?.address, name: changes.emailName ?? conversation.emailBinding?.name)
        }
        if let inactive = changes.timerInactive { conversation.timers.inactive = inactive }
        if let closed = changes.timerClosed { conversation.timers.closed = closed }
        conversation.timers = scheduled(conversation.timers, state: conversation.state, from: now)
    }

    /// The timers with their next firing times: inactive only while active, closed while not closed.
    static func scheduled(_ timers: ConversationTimers, state: ConversationState, from now: Timestamp) -> ConversationTimers {
        var timers = timers
        timers.dateInactive = state == .active ? timers.inactive.flatMap(ISODuration.init).map { now.adding(seconds: $0.seconds) } : nil
        timers.dateClosed = state != .closed ? timers.closed.flatMap(ISODuration.init).map { now.adding(seconds: $0.seconds) } : nil
        return timers
    }

    /// Activity (a new message or participant) brings an inactive conversation back to active and restarts its timers.
    static func recordActivity(on conversation: inout Conversation, now: Timestamp, tx: StoreTransaction) throws {
        guard conversation.state == .inactive || conversation.timers.inactive != nil || conversation.timers.closed != nil else { return }
        if conversation.state == .inactive { conversation.state = .active }
        conversation.timers = scheduled(conversation.timers, state: conversation.state, from: now)
        conversation.dateUpdated = now
        try tx.update(conversation)
    }
}
