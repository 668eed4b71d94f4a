import ParleyCore

extension Renderer {
    func service(_ service: ChatService) -> JSONValue {
        let url = urls.service(service.sid)
        return .object([
            ("account_sid", .string(accountSid)),
            ("sid", .string(service.sid)),
            ("friendly_name", .string(service.friendlyName)),
            ("date_created", JSONValue(service.dateCreated)),
            ("date_updated", JSONValue(service.dateUpdated)),
            ("url", .string(url)),
            ("links", .object([
                ("conversations", .string("\(url)/Conversations")),
                ("users", .string("\(url)/Users")),
                ("roles", .string("\(url)/Roles")),
                ("bindings", .string("\(url)/Bindings")),
                ("configuration", .string("\(url)/Configuration")),
                ("participant_conversations", .string("\(url)/ParticipantConversations")),
            ])),
        ])
    }

    func serviceConfiguration(_ service: ChatService) -> JSONValue {
        let url = "\(urls.service(service.sid))/Configuration"
        let configuration = service.configuration
        return .object([
            ("chat_service_sid", .string(service.sid)),
            ("default_conversation_creator_role_sid", JSONValue(configuration.defaultConversationCreatorRoleSid)),
            ("default_conversation_role_sid", JSONValue(configuration.defaultConversationRoleSid)),
            ("default_chat_service_role_sid", JSONValue(configuration.defaultChatServiceRoleSid)),
            ("url", .string(url)),
            ("links", .object([
                ("notifications", .string("\(url)/Notifications")),
                ("webhooks", .string("\(url)/Webhooks")),
            ])),
            ("reachability_enabled", .bool(configuration.reachabilityEnabled)),
        ])
    }

    func accountConfiguration(_ configuration: AccountConfiguration) -> JSONValue {
        let url = "\(urls.base)/v1/Configuration"
        var links: [(String, JSONValue)] = [("webhooks", .string("\(url)/Webhooks"))]
        if let service = configuration.defaultChatServiceSid { links.insert(("service", .string(urls.service(service))), at: 0) }
        return .object([
            ("account_sid", .string(accountSid)),
            ("default_chat_service_sid", JSONValue(configuration.defaultChatServiceSid)),
            ("default_messaging_service_sid", JSONValue(configuration.defaultMessagingServiceSid)),
            ("default_inactive_timer", JSONValue(configuration.defaultInactiveTimer)),
            ("default_closed_timer", JSONValue(configuration.defaultClosedTimer)),
            ("url", .string(url)),
            ("links", .object(links)),
        ])
    }
}
