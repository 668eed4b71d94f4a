import Foundation

/// Participants (`/v1/Conversations/{CH}/Participants`, and the same under `/v1/Services/{IS}`).
public struct ParticipantService: Sendable {
    let store: Store
    let events: EventRecorder
    let now: @Sendable () -> Timestamp

    /// The fields of a Participant a request may set; nil leaves a field as it is (or unset on create).
    /// On update, a proxy or projected address of `"null"` removes it, as Twilio documents.
    public struct Changes: Sendable {
        public var identity: String?
        public var address: String?
        public var proxyAddress: String?
        public var projectedAddress: String?
        public var attributes: String?
        public var roleSid: String?
        public var lastReadMessageIndex: Int64?
        public var lastReadTimestamp: String?
        public var dateCreated: Timestamp?
        public var dateUpdated: Timestamp?
        public init() {}
    }

    public func create(_ principal: Principal, _ scope: ServiceScope, conversation sidOrUniqueName: String, _ changes: Changes) async throws
        -> Participant
    {
        let events = self.events.acting(principal)
        let changes = try await events.beforeParticipantAdd(changes, store: store) { tx in
            try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
        }
        let now = self.now()
        return try await store.write { tx in
            let service = try tx.resolveService(principal, scope)
            let conversation = try tx.requireConversation(sidOrUniqueName, in: service)
            return try Self.insertParticipant(changes, conversation: conversation, service: service, events: events, now: now, tx: tx)
        }
    }

    public func fetch(_ principal: Principal, _ scope: ServiceScope, conversation: String, sidOrIdentity: String) async throws -> Participant {
        try await store.read { tx in
            try tx.requireParticipant(sidOrIdentity, in: tx.requireConversation(conversation, in: tx.resolveService(principal, scope)))
        }
    }

    public func list(_ principal: Principal, _ scope: ServiceScope, conversation: String, page: PageRequest) async throws -> Page<Participant> {
        try await store.read { tx in
            try tx.participants(conversationSid: tx.requireConversation(conversation, in: tx.resolveService(principal, scope)).sid, page: page)
        }
    }

    public func update(_ principal: Principal, _ scope: ServiceScope, conversation sidOrUniqueName: String, sidOrIdentity: String, _ changes: Changes)
        async throws -> Participant
    {
        try Self.validate(changes)
        let now = self.now()
        let events = self.events.acting(principal)
        _ = try await events.before(.onParticipantUpdate, store: store) { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            return (conversation.serviceSid, WebhookParameters.participant(try tx.requireParticipant(sidOrIdentity, in: conversation)))
        }
        return try await store.write { tx in
            let service = try tx.resolveService(principal, scope)
            let conversation = try tx.requireConversation(sidOrUniqueName, in: service)
            var participant = try tx.requireParticipant(sidOrIdentity, in: conversation)
            guard conversation.state != .closed else { throw ParleyError.conversationClosed(sid: conversation.sid) }
            if let identity = changes.identity, identity != participant.identity {
                guard participant.binding?.address == nil else {
                    throw ParleyError.invalidParameter(name: "Identity", reason: "a messaging participant cannot take a chat identity")
                }
                if try tx.participant(sidOrIdentity: identity, conversationSid: conversation.sid) != nil {
                    throw ParleyError.participantIdentityTaken(identity)
                }
                try UserService.validateIdentity(identity)
                try UserService.ensureUser(identity: identity, in: service, now: now, tx: tx)
                participant.identity = identity
            }
            if let proxy = changes.proxyAddress {
                var binding = participant.binding ?? MessagingBinding()
                binding.proxyAddress = proxy == "null" ? nil : proxy
                participant.binding = binding
            }
            if let projected = changes.projectedAddress {
                var binding = participant.binding ?? MessagingBinding()
                binding.projectedAddress = projected == "null" ? nil : projected
                participant.binding = binding
            }
            if let binding = participant.binding, binding.address == nil, binding.proxyAddress == nil, binding.projectedAddress == nil {
                participant.binding = nil
            }
            if let attributes = changes.attributes { participant.attributes = attributes }
            if let role = try tx.roleParameter(changes.roleSid, type: .conversation, in: service) { participant.roleSid = role }
            if let index = changes.lastReadMessageIndex { participant.lastReadMessageIndex = index }
            if let timestamp = changes.lastReadTimestamp { participant.lastReadTimestamp = timestamp }
            if let dateCreated = changes.dateCreated { participant.dateCreated = dateCreated }
            participant.dateUpdated = changes.dateUpdated ?? now
            let bindingActive = try Self.claimBinding(participant, conversation: conversation, tx: tx)
            try tx.update(participant, bindingActive: bindingActive)
            try events.recordForMembers(.participantUpdated, .participant(participant), conversation: conversation, now: now, in: tx)
            try events.webhook(
                .onParticipantUpdated, WebhookParameters.participant(participant, withReadHorizon: changes.lastReadMessageIndex != nil),
                serviceSid: conversation.serviceSid, conversationSid: conversation.sid, now: now, in: tx)
            return participant
        }
    }

    public func delete(_ principal: Principal, _ scope: ServiceScope, conversation sidOrUniqueName: String, sidOrIdentity: String) async throws {
        let now = self.now()
        let events = self.events.acting(principal)
        _ = try await events.before(.onParticipantRemove, store: store) { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            return (conversation.serviceSid, WebhookParameters.participant(try tx.requireParticipant(sidOrIdentity, in: conversation)))
        }
        try await store.write { tx in
            let conversation = try tx.requireConversation(sidOrUniqueName, in: tx.resolveService(principal, scope))
            let participant = try tx.requireParticipant(sidOrIdentity, in: conversation)
            try Self.removeParticipant(participant, from: conversation, events: events, now: now, tx: tx)
        }
    }

    /// Removes a participant: everyone hears `participantLeft`, the one who left then `conversationRemoved` (both
    /// addressed to them alone, as they are no longer a member when they resume).
    static func removeParticipant(_ participant: Participant, from conversation: Conversation, events: EventRecorder, now: Timestamp, tx: StoreTransaction)
        throws
    {
        try tx.deleteParticipant(sid: participant.sid)
        try events.recordForMembers(.participantLeft, .participant(participant), conversation: conversation, now: now, in: tx)
        if let identity = participant.identity {
            try events.record(
                .participantLeft, .participant(participant), conversationSid: conversation.sid, serviceSid: conversation.serviceSid, to: [identity],
                now: now, in: tx)
            try events.record(
                .conversationRemoved, .conversation(conversation), conversationSid: conversation.sid, serviceSid: conversation.serviceSid,
                to: [identity], now: now, in: tx)
        }
        try events.webhook(
            .onParticipantRemoved, WebhookParameters.participant(participant, removedAt: now), serviceSid: conversation.serviceSid,
            conversationSid: conversation.sid, now: now, in: tx)
    }

    static func validate(_ changes: Changes) throws {
        try Validate.length(changes.identity, Limits.identity, name: "Identity")
        try Validate.notEmpty(changes.identity, name: "Identity")
        try Validate.length(changes.address, Limits.address, name: "MessagingBinding.Address")
        try Validate.notEmpty(changes.address, name: "MessagingBinding.Address")
        try Validate.length(changes.proxyAddress, Limits.address, name: "MessagingBinding.ProxyAddress")
        try Validate.notEmpty(changes.proxyAddress, name: "MessagingBinding.ProxyAddress")
        try Validate.length(changes.projectedAddress, Limits.address, name: "MessagingBinding.ProjectedAddress")
        try Validate.notEmpty(changes.projectedAddress, name: "MessagingBinding.ProjectedAddress")
        _ = try Validate.attributes(changes.attributes, limit: Limits.participantAttributes)
        if let index = changes.lastReadMessageIndex, index < 0 {
            throw ParleyError.invalidParameter(name: "LastReadMessageIndex", reason: "must not be negative")
        }
    }

    /// Adds a participant to `conversation`, checking every rule Twilio enforces: exactly one of
    /// identity or address, a proxy address with an address, one identity per conversation, one open
    /// conversation per address pair in the Service, and the participant limits.
    static func insertParticipant(
        _ changes: Changes, conversation: Conversation, service: ChatService, events: EventRecorder, now: Timestamp, tx: StoreTransaction
    ) throws -> Participant {
        try validate(changes)
        guard conversation.state != .closed else { throw ParleyError.conversationClosed(sid: conversation.sid) }
        switch (changes.identity, changes.address) {
        case (nil, nil):
            throw ParleyError.invalidParameter(name: "Identity", reason: "either Identity or MessagingBinding.Address is required")
        case (.some, .some):
            throw ParleyError.invalidParameter(name: "MessagingBinding.Address", reason: "give either Identity or MessagingBinding.Address, not both")
        case (nil, .some):
            if changes.proxyAddress == nil {
                throw ParleyError.invalidParameter(name: "MessagingBinding.ProxyAddress", reason: "is required with MessagingBinding.Address")
            }
            if changes.projectedAddress != nil {
                throw ParleyError.invalidParameter(name: "MessagingBinding.ProjectedAddress", reason: "goes with Identity, not MessagingBinding.Address")
            }
        case (.some, nil):
            if changes.proxyAddress != nil {
                throw ParleyError.invalidParameter(name: "MessagingBinding.ProxyAddress", reason: "goes with MessagingBinding.Address, not Identity")
            }
        }
        let counts = try tx.participantCounts(conversationSid: conversation.sid)
        guard counts.all < Limits.participantsPerConversation else {
            throw ParleyError.participantLimitReached(limit: Limits.participantsPerConversation)
        }
        if changes.address != nil, counts.nonChat >= Limits.nonChatParticipantsPerConversation {
            throw ParleyError.nonChatParticipantLimitReached(limit: Limits.nonChatParticipantsPerConversation)
        }
        if let identity = changes.identity {
            try UserService.validateIdentity(identity)
            if try tx.participant(sidOrIdentity: identity, conversationSid: conversation.sid) != nil {
                throw ParleyError.participantIdentityTaken(identity)
            }
            try UserService.ensureUser(identity: identity, in: service, now: now, tx: tx)
        }
        let hasBinding = changes.address != nil || changes.projectedAddress != nil
        let created = changes.dateCreated ?? now
        let participant = Participant(
            sid: SID.make(.participant, now: now), serviceSid: service.sid, conversationSid: conversation.sid, identity: changes.identity,
            binding: hasBinding
                ? MessagingBinding(address: changes.address, proxyAddress: changes.proxyAddress, projectedAddress: changes.projectedAddress) : nil,
            attributes: changes.attributes ?? "{}",
            roleSid: try tx.roleParameter(changes.roleSid, type: .conversation, in: service) ?? service.configuration.defaultConversationRoleSid,
            lastReadMessageIndex: changes.lastReadMessageIndex, lastReadTimestamp: changes.lastReadTimestamp,
            dateCreated: created, dateUpdated: changes.dateUpdated ?? created)
        let bindingActive = try claimBinding(participant, conversation: conversation, tx: tx)
        try tx.insert(participant, bindingActive: bindingActive)
        var touched = conversation
        try ConversationService.recordActivity(on: &touched, now: now, tx: tx)
        try events.recordForMembers(.participantJoined, .participant(participant), conversation: touched, now: now, in: tx)
        try events.webhook(
            .onParticipantAdded, WebhookParameters.participant(participant), serviceSid: service.sid, conversationSid: conversation.sid, now: now, in: tx)
        if let identity = participant.identity {
            try events.record(
                .conversationAdded, .conversation(touched), conversationSid: touched.sid, serviceSid: service.sid, to: [identity], now: now, in: tx)
        }
        return participant
    }

    /// Whether the participant's (address, proxy address) pair is bound while its conversation is open;
    /// throws when another open conversation of the Service already binds it.
    private static func claimBinding(_ participant: Participant, conversation: Conversation, tx: StoreTransaction) throws -> Bool {
        guard conversation.state != .closed, let address = participant.binding?.address, let proxy = participant.binding?.proxyAddress else {
            return false
        }
        if let holder = try tx.participantBound(address: address, proxyAddress: proxy, serviceSid: participant.serviceSid), holder.sid != participant.sid {
            throw ParleyError.bindingInUse(address: address, proxyAddress: proxy)
        }
        return true
    }
}

extension ParticipantService.Changes {
    /// Reads one `Participant` value of a ConversationWithParticipants request: a JSON object with
    /// `identity`, `messaging_binding` (`address`, `proxy_address`, `projected_address`), `attributes`, `role_sid`.
    init(participantJSON text: String) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw ParleyError.invalidParticipantJSON(reason: "each Participant must be a JSON object")
        }
        func string(_ value: Any?, _ name: String) throws -> String? {
            guard let value, !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw ParleyError.invalidParticipantJSON(reason: "\(name) must be a string") }
            return text
        }
        self.init()
        identity = try string(object["identity"], "identity")
        roleSid = try string(object["role_sid"], "role_sid")
        if let attributes = object["attributes"], !(attributes is NSNull) {
            if let text = attributes as? String {
                self.attributes = text
            } else {
                let data = try JSONSerialization.data(withJSONObject: attributes, options: [.fragmentsAllowed])
                self.attributes = String(decoding: data, as: UTF8.self)
            }
        }
        if let binding = object["messaging_binding"], !(binding is NSNull) {
            guard let binding = binding as? [String: Any] else {
                throw ParleyError.invalidParticipantJSON(reason: "messaging_binding must be a JSON object")
            }
            address = try string(binding["address"], "messaging_binding.address")
            proxyAddress = try string(binding["proxy_address"], "messaging_binding.proxy_address")
            projectedAddress = try string(binding["projected_address"], "messaging_binding.projected_address")
        }
    }
}
