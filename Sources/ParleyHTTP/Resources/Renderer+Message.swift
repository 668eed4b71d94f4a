import ParleyCore

extension Renderer {
    func message(_ message: Message) -> JSONValue {
        let url = urls.message(message.sid, conversation: message.conversationSid)
        return .object(
            [("account_sid", .string(accountSid))] + serviceField(message.serviceSid) + [
                ("conversation_sid", .string(message.conversationSid)),
                ("sid", .string(message.sid)),
                ("index", .int(message.index)),
                ("author", .string(message.author)),
                ("body", JSONValue(message.body)),
                ("media", messageMedia(message)),
                ("attributes", .string(message.attributes)),
                ("participant_sid", JSONValue(message.participantSid)),
                ("date_created", JSONValue(message.dateCreated)),
                ("date_updated", JSONValue(message.dateUpdated)),
                ("delivery", deliverySummary(message.delivery)),
                ("url", .string(url)),
                ("links", .object([
                    ("delivery_receipts", .string("\(url)/Receipts")),
                    ("channel_metadata", .string("\(url)/ChannelMetadata")),
                ])),
                ("content_sid", JSONValue(message.contentSid)),
            ])
    }
}
