import ParleyCore

extension Renderer {
    func participant(_ participant: Participant) -> JSONValue {
        var binding: JSONValue = .null
        if let value = participant.binding {
            var fields: [(String, JSONValue)] = [("type", .string(value.channel.rawValue))]
            if let address = value.address { fields.append(("address", .string(address))) }
            if let proxy = value.proxyAddress { fields.append(("proxy_address", .string(proxy))) }
            if let projected = value.projectedAddress { fields.append(("projected_address", .string(projected))) }
            binding = .object(fields)
        }
        return .object(
            [("account_sid", .string(accountSid))] + serviceField(participant.serviceSid) + [
                ("conversation_sid", .string(participant.conversationSid)),
                ("sid", .string(participant.sid)),
                ("identity", JSONValue(participant.identity)),
                ("attributes", .string(participant.attributes)),
                ("messaging_binding", binding),
                ("role_sid", JSONValue(participant.roleSid)),
                ("date_created", JSONValue(participant.dateCreated)),
                ("date_updated", JSONValue(participant.dateUpdated)),
                ("url", .string(urls.participant(participant.sid, conversation: participant.conversationSid))),
                ("last_read_message_index", JSONValue(participant.lastReadMessageIndex)),
                ("last_read_timestamp", JSONValue(participant.lastReadTimestamp)),
            ])
    }
}
