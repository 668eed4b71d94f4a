import GRDB

extension StoreTransaction {
    /// The Service with this SID, if it belongs to `accountSid`.
    public func service(sid: String, accountSid: String) throws -> ChatService? {
        try fetchOne(
            statement("SELECT * FROM services WHERE sid = ? AND account_sid = ?"), arguments: [sid, accountSid], ChatService.init(row:))
    }

    /// A page of the account's Services, oldest first.
    public func services(accountSid: String, page: PageRequest) throws -> Page<ChatService> {
        try self.page(
            table: "services", filter: "account_sid = ?", arguments: [accountSid], key: "seq", order: .ascending, request: page,
            decode: ChatService.init(row:))
    }

    public func insert(_ service: ChatService) throws {
        try execute(
            """
            INSERT INTO services (sid, account_sid, friendly_name, default_conversation_creator_role_sid, default_conversation_role_sid,
                                  default_chat_service_role_sid, reachability_enabled, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                service.sid, service.accountSid, service.friendlyName, service.configuration.defaultConversationCreatorRoleSid,
                service.configuration.defaultConversationRoleSid, service.configuration.defaultChatServiceRoleSid,
                service.configuration.reachabilityEnabled, service.dateCreated, service.dateUpdated,
            ])
    }

    public func update(_ service: ChatService) throws {
        try execute(
            """
            UPDATE services SET friendly_name = ?, default_conversation_creator_role_sid = ?, default_conversation_role_sid = ?,
                                default_chat_service_role_sid = ?, reachability_enabled = ?, date_updated = ?
            WHERE sid = ?
            """,
            [
                service.friendlyName, service.configuration.defaultConversationCreatorRoleSid, service.configuration.defaultConversationRoleSid,
                service.configuration.defaultChatServiceRoleSid, service.configuration.reachabilityEnabled, service.dateUpdated, service.sid,
            ])
    }

    /// Deletes the Service and, by cascade, everything in it.
    public func deleteService(sid: String) throws {
        // Roles are referenced by users and participants of the same Service; drop those rows first so
        // the cascade never trips over a role that is still assigned.
        try execute("DELETE FROM conversations WHERE service_sid = ?", [sid])
        try execute("DELETE FROM users WHERE service_sid = ?", [sid])
        try execute("DELETE FROM services WHERE sid = ?", [sid])
    }
}

extension ChatService {
    init(row: Row) {
        self.init(
            sid: row["sid"], accountSid: row["account_sid"], friendlyName: row["friendly_name"],
            configuration: ServiceConfiguration(
                defaultConversationCreatorRoleSid: row["default_conversation_creator_role_sid"],
                defaultConversationRoleSid: row["default_conversation_role_sid"],
                defaultChatServiceRoleSid: row["default_chat_service_role_sid"],
                reachabilityEnabled: row["reachability_enabled"]),
            dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }
}
