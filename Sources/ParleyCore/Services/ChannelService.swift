/// External channels, as the API and the inbound webhooks see them: inbound messages (routing by binding,
/// autocreation from Address Configurations, the unrouted table, MessageSid dedup), status callbacks, delivery
/// receipts, Address Configurations and the sandbox log. Outbound rows are written by `ChannelOutbox` with each
/// message and sent by `ChannelWorker`.
public struct ChannelService: Sendable {
    let store: Store
    let events: EventRecorder
    /// Inbound media: fetched into Parley's storage before the message's transaction, or kept as references.
    let media: MediaService
    /// How inbound media is fetched: the outbound address policy, pinned connections, no automatic redirects.
    let outbound: OutboundHTTP
    let now: @Sendable () -> Timestamp

    /// How long an inbound message waits for its media, all items fetched at once (each whole fetch, head and body,
    /// within it): Twilio gives up on a webhook after 15 s and retries. What has not arrived by then is kept as a
    /// reference to the sender's URL.
    public static let inboundMediaBudget: Duration = .seconds(5)

    // MARK: - Inbound

    /// The auth token inbound requests for `accountSid` are signed with, if the account exists.
    public func authToken(accountSid: String) async throws -> String? {
        try await store.read { tx in try tx.account(sid: accountSid)?.authToken }
    }

    /// The node's first account: inbound requests that name no `AccountSid` are for it.
    public func primaryAccountSid() async throws -> String? {
        try await store.read { tx in try tx.accounts().first?.sid }
    }

    /// Takes one inbound channel message: into the conversation whose binding (From, To) matches; else into a new
    /// conversation when an Address Configuration for `To` enables autocreation; else into `unrouted_inbound`.
    /// A `MessageSid` seen before changes nothing. Media (`MediaUrlN`) is fetched first, outside the transaction, all
    /// items at once within `inboundMediaBudget`; the rest is one transaction.
    public func receive(_ inbound: InboundMessage) async throws -> InboundOutcome {
        let channel = try Self.validate(inbound)
        var changes = MessageService.Changes()
        changes.author = inbound.from
        changes.body = inbound.body
        try MessageService.validate(changes)
        let fields = changes
        let now = self.now()
        let events = self.events
        let media = self.media
        if !inbound.media.isEmpty, try await store.read({ tx in try tx.isInboundKnown(messageSid: inbound.messageSid) }) { return .duplicate }
        let prefetched = await media.prefetch(
            inbound.media.map { RemoteMedia(url: $0.url, contentType: $0.contentType) }, outbound: outbound, within: Self.inboundMediaBudget)
        let outcome: InboundOutcome
        do {
            outcome = try await store.write { tx in
                try Self.route(
                    inbound, fields, media: prefetched, channel: channel, events: events, files: media.files, mediaLimits: media.limits, now: now, tx: tx)
            }
        } catch {
            media.discard(prefetched)
            throw error
        }
        switch outcome {
        case .routed, .autocreated: break
        case .duplicate, .unrouted: media.discard(prefetched)  // no message took the media
        }
        return outcome
    }

    /// Puts an inbound message where it belongs (see `receive`), inside `tx`.
    private static func route(
        _ inbound: InboundMessage, _ fields: MessageService.Changes, media: [FetchedMedia], channel: Channel, events: EventRecorder, files: MediaFiles,
        mediaLimits: MediaLimits, now: Timestamp, tx: StoreTransaction
    ) throws -> InboundOutcome {
        if try tx.isInboundKnown(messageSid: inbound.messageSid) { return .duplicate }
        guard try tx.account(sid: inbound.accountSid) != nil else { throw ParleyError.notFound(resource: "/Accounts/\(inbound.accountSid)") }
        guard let (conversation, autocreated) = try destination(of: inbound, events: events, now: now, tx: tx) else {
            try tx.insertUnrouted(inbound, channel: channel, now: now)
            try tx.recordInbound(messageSid: inbound.messageSid, accountSid: inbound.accountSid, conversationSid: nil, parleyMessageSid: nil, now: now)
            return .unrouted
        }
        let message = try insert(
            inbound, fields, media: media, into: conversation, events: events, files: files, mediaLimits: mediaLimits, now: now, tx: tx)
        try tx.recordInbound(
            messageSid: inbound.messageSid, accountSid: inbound.accountSid, conversationSid: conversation.sid, parleyMessageSid: message.sid, now: now)
        return autocreated
            ? .autocreated(conversationSid: conversation.sid, messageSid: message.sid) : .routed(conversationSid: conversation.sid, messageSid: message.sid)
    }

    /// The conversation an inbound message goes to: the one binding its (From, To) pair, or one autocreated for it when
    /// the To address's configuration says so (`autocreated` true); nil when neither.
    private static func destination(of inbound: InboundMessage, events: EventRecorder, now: Timestamp, tx: StoreTransaction) throws
        -> (conversation: Conversation, autocreated: Bool)?
    {
        let principal = Principal(accountSid: inbound.accountSid, credentialSid: inbound.accountSid)
        if let participant = try tx.participantBound(address: inbound.from, proxyAddress: inbound.to, accountSid: inbound.accountSid) {
            let service = try tx.resolveService(principal, .service(participant.serviceSid))
            return (try tx.requireConversation(participant.conversationSid, in: service), false)
        }
        guard let configuration = try tx.addressConfiguration(sidOrAddress: inbound.to, accountSid: inbound.accountSid),
            configuration.autoCreation.enabled
        else { return nil }
        let scope = configuration.autoCreation.conversationServiceSid.map(ServiceScope.service) ?? .defaultService
        let service = try tx.resolveService(principal, scope)
        let created = try ConversationService.insertConversation(ConversationService.Changes(), service: service, principal: principal, now: now, tx: tx)
        var member = ParticipantService.Changes()
        member.address = inbound.from
        member.proxyAddress = inbound.to
        _ = try ParticipantService.insertParticipant(member, conversation: created, service: service, events: events, now: now, tx: tx)
        // Read again: adding the participant touched it.
        return (try tx.requireConversation(created.sid, in: service), true)
    }

    /// Applies a Twilio StatusCallback (`MessageSid`, `MessageStatus`, `ErrorCode`) to the receipt of that channel
    /// message. Statuses only move forward (a late `sent` does not undo `delivered`); interim ones (`sending`) change nothing.
    public func statusCallback(accountSid: String, channelMessageSid: String, messageStatus: String, errorCode: Int?) async throws -> DeliveryReceipt {
        guard !channelMessageSid.isEmpty else { throw ParleyError.invalidParameter(name: "MessageSid", reason: "is required") }
        guard Self.twilioMessageStatuses.contains(messageStatus.lowercased()) else {
            throw ParleyError.invalidParameter(name: "MessageStatus", reason: "must be one of \(Self.twilioMessageStatuses.sorted().joined(separator: ", "))")
        }
        let now = self.now()
        return try await store.write { tx in
            guard let receipt = try tx.receipt(channelMessageSid: channelMessageSid),
                try tx.service(sid: receipt.serviceSid, accountSid: accountSid) != nil
            else { throw ParleyError.notFound(resource: "/Messages/\(channelMessageSid) (no delivery receipt for this channel message)") }
            guard let status = ReceiptStatus(messageStatus: messageStatus), status.rank > receipt.status.rank else { return receipt }
            let code = status == .failed || status == .undelivered ? (errorCode ?? 30008) : 0
            try tx.setReceiptStatus(sid: receipt.sid, status, errorCode: code, now: now)
            return try tx.receipt(sid: receipt.sid) ?? receipt
        }
    }

    static let twilioMessageStatuses: Set<String> = [
        "queued", "accepted", "scheduled", "sending", "sent", "delivered", "undelivered", "failed", "read", "receiving", "received", "canceled",
        "partially_delivered",
    ]

    // MARK: - Receipts

    public func receipts(_ principal: Principal, _ scope: ServiceScope, conversation: String, message: String, page: PageRequest) async throws
        -> Page<DeliveryReceipt>
    {
        try await store.read { tx in
            let conversation = try tx.requireConversation(conversation, in: tx.resolveService(principal, scope))
            return try tx.receipts(messageSid: tx.requireMessage(message, in: conversation).sid, page: page)
        }
    }

    public func receipt(_ principal: Principal, _ scope: ServiceScope, conversation: String, message: String, sid: String) async throws
        -> DeliveryReceipt
    {
        try await store.read { tx in
            let conversation = try tx.requireConversation(conversation, in: tx.resolveService(principal, scope))
            let message = try tx.requireMessage(message, in: conversation)
            guard let receipt = try tx.receipt(sid: sid), receipt.messageSid == message.sid else {
                throw ParleyError.notFound(resource: "/Receipts/\(sid)")
            }
            return receipt
        }
    }

    // MARK: - Sandbox

    /// The sandbox transport's log of the caller's account, oldest first.
    public func sandboxDeliveries(_ principal: Principal, page: PageRequest) async throws -> Page<SandboxDelivery> {
        try await store.read { tx in try tx.sandboxDeliveries(accountSid: principal.accountSid, page: page) }
    }

    // MARK: - Helpers

    /// Checks what Twilio always sends and Parley relies on; returns the sender's channel.
    static func validate(_ inbound: InboundMessage) throws -> Channel {
        guard !inbound.messageSid.isEmpty else { throw ParleyError.invalidParameter(name: "MessageSid", reason: "is required") }
        try Validate.length(inbound.messageSid, 64, name: "MessageSid")
        for (name, value) in [("From", inbound.from), ("To", inbound.to)] {
            guard !value.isEmpty else { throw ParleyError.invalidParameter(name: name, reason: "is required") }
            try Validate.length(value, Limits.address, name: name)
            guard Channel.strict(address: value) != nil else {
                throw ParleyError.invalidParameter(name: name, reason: "unknown channel prefix in \(value) (use whatsapp:, messenger:, ... or a plain number)")
            }
        }
        guard let channel = Channel.strict(address: inbound.from) else { throw ParleyError.invalidParameter(name: "From", reason: "unknown channel") }
        guard Channel.strict(address: inbound.to) == channel else {
            throw ParleyError.invalidParameter(name: "To", reason: "is on another channel than From")
        }
        guard inbound.media.count <= 10 else { throw ParleyError.tooManyMedia(limit: 10) }
        guard !(inbound.body ?? "").isEmpty || !inbound.media.isEmpty else {
            throw ParleyError.invalidParameter(name: "Body", reason: "an inbound message needs a Body or media")
        }
        return channel
    }

    /// Inserts an inbound message through `MessageService.append` (so it fans out to chat clients and to the other
    /// messaging participants), with its prefetched media.
    private static func insert(
        _ inbound: InboundMessage, _ changes: MessageService.Changes, media: [FetchedMedia], into conversation: Conversation, events: EventRecorder,
        files: MediaFiles, mediaLimits: MediaLimits, now: Timestamp, tx: StoreTransaction
    ) throws -> Message {
        var changes = changes
        for item in media {
            changes.mediaSids.append(
                try MediaService.record(item, serviceSid: conversation.serviceSid, author: inbound.from, files: files, now: now, tx: tx).sid)
        }
        return try MessageService.append(changes, to: conversation, events: events, mediaLimits: mediaLimits, now: now, tx: tx)
    }
}
