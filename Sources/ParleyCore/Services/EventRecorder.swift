/// Decides who hears about a change and records it: the events are written in the change's own
/// transaction and handed to the hub only once it has committed.
struct EventRecorder: Sendable {
    let hub: EventHub
    /// Webhooks (outbox rows and pre-action calls), decided next to the events.
    let webhooks: WebhookRecorder
    /// Where the change being recorded came from (see `acting`).
    var origin: WebhookOrigin = .api(webhooksEnabled: false)

    /// This recorder for a change made by `principal`: its webhooks carry the principal's origin.
    func acting(_ principal: Principal) -> EventRecorder {
        var copy = self
        copy.origin = principal.origin
        return copy
    }

    /// Writes the post-action webhooks of `event` (see `WebhookRecorder.record`), with this recorder's origin.
    func webhook(
        _ event: WebhookEvent, _ parameters: [(name: String, value: String)], serviceSid: String, conversationSid: String?, messageBody: String? = nil,
        now: Timestamp, in tx: StoreTransaction
    ) throws {
        try webhooks.record(
            event, parameters, origin: origin, serviceSid: serviceSid, conversationSid: conversationSid, messageBody: messageBody, now: now, in: tx)
    }

    /// Records `type` for each of `identities`.
    func record(
        _ type: ChatEventType, _ resource: ChatEventResource, conversationSid: String?, serviceSid: String, to identities: [String],
        now: Timestamp, in tx: StoreTransaction
    ) throws {
        guard !identities.isEmpty else { return }
        let pending = identities.map { PendingEvent(identity: $0, type: type, conversationSid: conversationSid, resource: resource) }
        let events = try tx.appendEvents(pending, serviceSid: serviceSid, at: now)
        let hub = self.hub
        tx.afterCommit { hub.publish(events) }
    }

    /// Records `type` for every chat participant of the conversation.
    func recordForMembers(
        _ type: ChatEventType, _ resource: ChatEventResource, conversation: Conversation, now: Timestamp, in tx: StoreTransaction
    ) throws {
        try record(
            type, resource, conversationSid: conversation.sid, serviceSid: conversation.serviceSid,
            to: tx.chatIdentities(conversationSid: conversation.sid), now: now, in: tx)
    }
}
