/// Decides who hears about a change and records it: the events are written in the change's own
/// transaction and handed to the hub only once it has committed.
struct EventRecorder: Sendable {
    /// Where committed events go live; nil on a shared store, where every node's `EventTail` reads them from the log.
    let hub: EventHub?
    /// Webhooks (outbox rows and pre-action calls), decided next to the events.
    let webhooks: WebhookRecorder
    /// Push notifications (outbox rows), decided next to the events, so every way in that records them pushes.
    let push: PushRecorder
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

    /// Records `type` for each of `identities` alone: one row each (a change only they must see, or must see even
    /// after they have left the conversation).
    func record(
        _ type: ChatEventType, _ resource: ChatEventResource, conversationSid: String?, serviceSid: String, to identities: [String],
        now: Timestamp, in tx: StoreTransaction
    ) throws {
        guard !identities.isEmpty else { return }
        let events = try tx.appendEvents(type, resource, conversationSid: conversationSid, serviceSid: serviceSid, audiences: identities, at: now)
        guard let hub else { return }
        tx.afterCommit { hub.publish(events) }
    }

    /// Records `type` once for the conversation's chat members: one row however many they are, replayed to whoever
    /// is a member (and joined before it) when they resume. Nothing is written for a conversation without chat members.
    func recordForMembers(
        _ type: ChatEventType, _ resource: ChatEventResource, conversation: Conversation, now: Timestamp, in tx: StoreTransaction
    ) throws {
        try push.record(type, resource, conversation: conversation, actor: origin.clientIdentity, now: now, in: tx)
        let identities = try tx.chatIdentities(conversationSid: conversation.sid)
        guard !identities.isEmpty else { return }
        let events = try tx.appendEvents(
            type, resource, conversationSid: conversation.sid, serviceSid: conversation.serviceSid, audiences: [nil], at: now)
        guard let hub else { return }
        tx.afterCommit { for event in events { hub.publish(event, to: identities) } }
    }

    /// Records `type` for each chat member alone: for a conversation about to be deleted, whose membership a resuming
    /// client could no longer be matched against.
    func recordForEachMember(
        _ type: ChatEventType, _ resource: ChatEventResource, conversation: Conversation, now: Timestamp, in tx: StoreTransaction
    ) throws {
        try record(
            type, resource, conversationSid: conversation.sid, serviceSid: conversation.serviceSid,
            to: tx.chatIdentities(conversationSid: conversation.sid), now: now, in: tx)
    }
}
