import Foundation
import ParleyCore

/// The data of Sync items and documents, in the camelCase shapes the Conversations SDK reads from Sync (not the REST
/// shapes): message items carry `text` and `memberSid`, attributes stay JSON strings, and the conversation document has
/// no `status` (a `status` there stopped the SDK's message and participant events).
enum SyncData {
    /// A `my_conversations` item: the conversation as the user sees it. `participant` (the user's own) adds the read
    /// horizon and notification level; without it those keys are left out, so an update does not reset them.
    static func conversationEntry(_ conversation: Conversation?, conversationSid: String, participant: Participant?) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("status", "joined"),
            ("channel", .string(SyncObject.conversation(conversationSid).name)),
            ("messages", .string(SyncObject.messages(conversationSid).name)),
            ("roster", .string(SyncObject.roster(conversationSid).name)),
        ]
        if let conversation { fields += conversationProperties(conversation) }
        if let participant {
            fields.append(("lastConsumedMessageIndex", JSONValue(participant.lastReadMessageIndex)))
            fields.append(("notificationLevel", .string(participant.notificationLevel.rawValue)))
        }
        return .object(fields)
    }

    /// The conversation's document.
    static func conversationDocument(_ conversation: Conversation) -> JSONValue {
        var fields = conversationProperties(conversation)
        fields.append(("messages", .string(SyncObject.messages(conversation.sid).name)))
        fields.append(("roster", .string(SyncObject.roster(conversation.sid).name)))
        if let last = conversation.lastMessageIndex { fields.append(("lastMessage", .object([("index", .int(last))]))) }
        let current = conversation.state == .initializing ? ConversationState.active : conversation.state
        fields.append(("state", .object([("current", .string(current.rawValue)), ("dateUpdated", JSONValue(conversation.dateUpdated))])))
        return .object(fields)
    }

    private static func conversationProperties(_ conversation: Conversation) -> [(String, JSONValue)] {
        [
            ("sid", .string(conversation.sid)),
            ("friendlyName", JSONValue(conversation.friendlyName)),
            ("uniqueName", JSONValue(conversation.uniqueName)),
            ("attributes", .string(conversation.attributes)),
            ("createdBy", .string(conversation.createdBy ?? "system")),
            ("dateCreated", JSONValue(conversation.dateCreated)),
            ("dateUpdated", JSONValue(conversation.dateUpdated)),
        ]
    }

    /// A messages list item.
    static func message(_ message: Message) -> JSONValue {
        let medias = media(message.media)
        var fields: [(String, JSONValue)] = [
            ("sid", .string(message.sid)),
            ("author", .string(message.author)),
            ("text", JSONValue(message.body)),
            ("attributes", .string(message.attributes)),
            ("timestamp", JSONValue(message.dateCreated)),
            ("dateUpdated", JSONValue(message.dateUpdated ?? message.dateCreated)),
            ("type", .string(medias.isEmpty ? "text" : "media")),
            ("memberSid", JSONValue(message.participantSid)),
        ]
        if let subject = message.subject { fields.append(("subject", .string(subject))) }
        if message.dateUpdated != nil { fields.append(("lastUpdatedBy", .string(message.author))) }
        if !medias.isEmpty { fields.append(("medias", .array(medias))) }
        return .object(fields)
    }

    /// The message's media (Twilio's REST `media` array) in the SDK's shape: `sid`, `category`, `filename`,
    /// `contentType`, `size`.
    private static func media(_ json: String?) -> [JSONValue] {
        guard let json, let items = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]] else { return [] }
        return items.compactMap { item in
            guard let sid = item["sid"] as? String else { return nil }
            return .object([
                ("sid", .string(sid)),
                ("category", .string((item["category"] as? String) ?? "media")),
                ("filename", JSONValue(item["filename"] as? String)),
                ("contentType", .string((item["content_type"] as? String) ?? "application/octet-stream")),
                ("size", .int((item["size"] as? NSNumber)?.int64Value ?? 0)),
            ])
        }
    }

    /// A roster item.
    static func participant(_ participant: Participant) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("sid", .string(participant.sid)),
            ("identity", JSONValue(participant.identity)),
            ("type", .string(participant.channel.rawValue)),
            ("roleSid", JSONValue(participant.roleSid)),
            ("attributes", .string(participant.attributes)),
            ("dateCreated", JSONValue(participant.dateCreated)),
            ("dateUpdated", JSONValue(participant.dateUpdated)),
            ("lastConsumedMessageIndex", JSONValue(participant.lastReadMessageIndex)),
            ("lastConsumptionTimestamp", JSONValue(participant.lastReadTimestamp)),
        ]
        if let identity = participant.identity { fields.append(("userInfo", .string(SyncObject.userInfo(identity: identity).name))) }
        return .object(fields)
    }

    /// The user-info map's items, by key.
    static func userInfo(_ user: User) -> [(key: String, data: JSONValue)] {
        [
            ("friendlyName", .object([("value", JSONValue(user.friendlyName))])),
            ("attributes", .object([("value", .string(user.attributes))])),
        ]
    }
}
