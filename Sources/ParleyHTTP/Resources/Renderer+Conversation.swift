import ParleyCore

extension Renderer {
    func conversation(_ conversation: Conversation) -> JSONValue {
        let url = urls.conversation(conversation.sid)
        var bindings: [(String, JSONValue)] = []
        if let email = conversation.emailBinding {
            bindings.append(("email", .object([("address", JSONValue(email.address)), ("name", JSONValue(email.name))])))
        }
        return .object([
            ("account_sid", .string(accountSid)),
            ("chat_service_sid", .string(conversation.serviceSid)),
            ("messaging_service_sid", JSONValue(conversation.messagingServiceSid)),
            ("sid", .string(conversation.sid)),
            ("friendly_name", JSONValue(conversation.friendlyName)),
            ("unique_name", JSONValue(conversation.uniqueName)),
            ("attributes", .string(conversation.attributes)),
            ("state", .string(conversation.state.rawValue)),
            ("date_created", JSONValue(conversation.dateCreated)),
            ("date_updated", JSONValue(conversation.dateUpdated)),
            ("timers", timers(conversation.timers)),
            ("url", .string(url)),
            ("links", .object([
                ("participants", .string("\(url)/Participants")),
                ("messages", .string("\(url)/Messages")),
                ("webhooks", .string("\(url)/Webhooks")),
            ])),
            ("bindings", .object(bindings)),
        ])
    }
}

extension Renderer {
    /// `{}`, or the absolute times the timers fire next.
    func timers(_ timers: ConversationTimers) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if let date = timers.dateInactive { fields.append(("date_inactive", JSONValue(date))) }
        if let date = timers.dateClosed { fields.append(("date_closed", JSONValue(date))) }
        return .object(fields)
    }
}
