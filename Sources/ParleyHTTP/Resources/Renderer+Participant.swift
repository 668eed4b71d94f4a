import ParleyCore

extension Renderer {
    func participant(_ participant: Participant) -> JSONValue {
        .object(
            [("account_sid", .string(accountSid))] + serviceField(participant.serviceSid) + [
                ("conversation_sid", .string(participant.conversationSid)),
                ("sid", .string(participant.sid)),
                ("identity", JSONValue(participant.identity)),
                ("attributes", .string(participant.attributes)),
                ("messaging_binding", messagingBinding(participant.binding)),
                ("role_sid", JSONValue(participant.roleSid)),
                ("date_created", JSONValue(participant.dateCreated)),
                ("date_updated", JSONValue(participant.dateUpdated)),
                ("url", .string(urls.participant(participant.sid, conversation: participant.conversationSid))),
                ("last_read_message_index", JSONValue(participant.lastReadMessageIndex)),
                ("last_read_timestamp", JSONValue(participant.lastReadTimestamp)),
            ])
    }
}

extension Renderer {
    /// `{"type", "address", "proxy_address"[, "projected_address"]}`, or null for a chat participant.
    func messagingBinding(_ binding: MessagingBinding?) -> JSONValue {
        guard let binding else { return .null }
        var fields: [(String, JSONValue)] = [("type", .string(binding.channel.rawValue))]
        if let address = binding.address { fields.append(("address", .string(address))) }
        if let proxy = binding.proxyAddress { fields.append(("proxy_address", .string(proxy))) }
        if let projected = binding.projectedAddress { fields.append(("projected_address", .string(projected))) }
        return .object(fields)
    }
}
