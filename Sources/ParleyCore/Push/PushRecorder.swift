import Foundation

/// Decides which pushes a chat event causes and writes them to the push outbox (`push_deliveries`) in the change's own
/// transaction, rendered from the Service's notification settings; the worker is woken once it has committed.
///
/// - `messageAdded`: every device of the conversation's chat members but the author and members who muted it, when
///   `NewMessage.Enabled`. A message with media uses `NewMessage.WithMedia` when that is enabled; when it is not, a
///   message with a body gets the plain new-message push and a message with media only gets none.
/// - `participantJoined` / `participantLeft` of a chat identity: that identity's devices, when `AddedToConversation` /
///   `RemovedFromConversation` is enabled, unless they made the change themselves.
///
/// Pushes go out whether or not the user has a socket open, as Twilio's do.
struct PushRecorder: Sendable {
    let signal: PushSignal

    /// Writes the pushes `type` causes in `conversation`; `actor` is the chat identity that made the change, if any.
    func record(
        _ type: ChatEventType, _ resource: ChatEventResource, conversation: Conversation, actor: String?, now: Timestamp, in tx: StoreTransaction
    ) throws {
        let written: Int
        switch (type, resource) {
        case (.messageAdded, .message(let message)):
            written = try messageAdded(message, conversation: conversation, now: now, in: tx)
        case (.participantJoined, .participant(let participant)):
            written = try membershipChanged(.addedToConversation, participant, conversation: conversation, actor: actor, now: now, in: tx)
        case (.participantLeft, .participant(let participant)):
            written = try membershipChanged(.removedFromConversation, participant, conversation: conversation, actor: actor, now: now, in: tx)
        default:
            return
        }
        guard written > 0 else { return }
        let signal = self.signal
        tx.afterCommit { signal.wake() }
    }

    private func messageAdded(_ message: Message, conversation: Conversation, now: Timestamp, in tx: StoreTransaction) throws -> Int {
        let settings = try tx.pushSettings(serviceSid: conversation.serviceSid)
        guard settings.newMessage.enabled else { return 0 }
        let media = message.mediaItems
        let template: String
        if media.isEmpty {
            template = settings.newMessage.template ?? PushTemplate.defaultText(.newMessage)
        } else if settings.newMessageWithMedia.enabled {
            template = settings.newMessageWithMedia.template ?? PushTemplate.defaultText(.newMessage, withMedia: true)
        } else if let body = message.body, !body.isEmpty {
            template = settings.newMessage.template ?? PushTemplate.defaultText(.newMessage)
        } else {
            return 0
        }
        let context = PushTemplate.Context(
            participant: try displayName(message.author, serviceSid: conversation.serviceSid, in: tx), participantSid: message.participantSid ?? message.author,
            conversation: conversation, message: message.body, mediaCount: media.count, media: media.first.map { $0.filename ?? $0.sid })
        let body = PushTemplate.render(template, context)
        var data = Self.data(.newMessage, body: body, conversation: conversation)
        data["message_sid"] = message.sid
        data["message_index"] = String(message.index)
        data["author"] = message.author
        if let first = media.first {
            data["media_count"] = String(media.count)
            data["media"] = String(decoding: (try? JSONEncoder().encode(first)) ?? Data("{}".utf8), as: UTF8.self)
        }
        let notification = PushNotification(
            kind: .newMessage, body: body, sound: settings.newMessage.sound, badgeCountEnabled: settings.newMessageBadgeCountEnabled, data: data)
        return try tx.enqueuePushForMembers(
            conversationSid: conversation.sid, excluding: message.author, kind: .newMessage, payload: try Self.encode(notification), now: now)
    }

    private func membershipChanged(
        _ kind: PushNotification.Kind, _ participant: Participant, conversation: Conversation, actor: String?, now: Timestamp, in tx: StoreTransaction
    ) throws -> Int {
        // A user who joins or leaves by themselves is not told about it: their own device made the change.
        guard let identity = participant.identity, identity != actor else { return 0 }
        let settings = try tx.pushSettings(serviceSid: conversation.serviceSid).settings(for: kind)
        guard settings.enabled else { return 0 }
        // A change made through the REST API has no acting participant: it is `system`, as a REST message's author.
        let actor = actor ?? "system"
        let context = PushTemplate.Context(
            participant: try displayName(actor, serviceSid: conversation.serviceSid, in: tx), participantSid: actor, conversation: conversation)
        let body = PushTemplate.render(settings.template ?? PushTemplate.defaultText(kind), context)
        let notification = PushNotification(kind: kind, body: body, sound: settings.sound, data: Self.data(kind, body: body, conversation: conversation))
        return try tx.enqueuePush(
            to: identity, serviceSid: conversation.serviceSid, conversationSid: conversation.sid, kind: kind, payload: try Self.encode(notification),
            now: now)
    }

    /// `${PARTICIPANT}`: the User's friendly name, else the identity (or address) as it is.
    private func displayName(_ identity: String, serviceSid: String, in tx: StoreTransaction) throws -> String {
        guard !SID.isValid(identity, .user), let user = try tx.user(sidOrIdentity: identity, serviceSid: serviceSid) else { return identity }
        return user.friendlyName.flatMap { $0.isEmpty ? nil : $0 } ?? identity
    }

    /// The data keys every push carries, as Twilio's SDKs read them.
    private static func data(_ kind: PushNotification.Kind, body: String, conversation: Conversation) -> [String: String] {
        [
            "twi_message_type": kind.twilioMessageType, "twi_body": body, "conversation_sid": conversation.sid,
            "conversation_title": PushTemplate.title(of: conversation),
        ]
    }

    private static func encode(_ notification: PushNotification) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(notification), as: UTF8.self)
    }
}
