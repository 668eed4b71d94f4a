import ParleyCore

extension Renderer {
    /// `is_online`/`is_notifiable` are null: reachability is not tracked yet.
    func user(_ user: User) -> JSONValue {
        let url = urls.user(user.sid)
        return .object([
            ("sid", .string(user.sid)),
            ("account_sid", .string(accountSid)),
            ("chat_service_sid", .string(user.serviceSid)),
            ("role_sid", JSONValue(user.roleSid)),
            ("identity", .string(user.identity)),
            ("friendly_name", JSONValue(user.friendlyName)),
            ("attributes", .string(user.attributes)),
            ("is_online", .null),
            ("is_notifiable", .null),
            ("date_created", JSONValue(user.dateCreated)),
            ("date_updated", JSONValue(user.dateUpdated)),
            ("url", .string(url)),
            ("links", .object([("user_conversations", .string(urls.userConversations(user.sid)))])),
        ])
    }
}
