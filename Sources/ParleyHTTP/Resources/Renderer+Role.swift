import ParleyCore

extension Renderer {
    func role(_ role: Role) -> JSONValue {
        .object([
            ("sid", .string(role.sid)),
            ("account_sid", .string(accountSid)),
            ("chat_service_sid", .string(role.serviceSid)),
            ("friendly_name", .string(role.friendlyName)),
            ("type", .string(role.type.rawValue)),
            ("permissions", JSONValue(role.permissions)),
            ("date_created", JSONValue(role.dateCreated)),
            ("date_updated", JSONValue(role.dateUpdated)),
            ("url", .string(urls.role(role.sid))),
        ])
    }
}
