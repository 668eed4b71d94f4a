import GRDB

extension StoreTransaction {
    /// The account with this SID.
    public func account(sid: String) throws -> Account? {
        try fetchOne(statement("SELECT * FROM accounts WHERE sid = ?"), arguments: [sid], Account.init(row:))
    }

    /// The account a Service belongs to (for requests that name a Service but carry no credentials: temporary media URLs).
    public func account(owningService serviceSid: String) throws -> Account? {
        try fetchOne(
            statement("SELECT accounts.* FROM services JOIN accounts ON accounts.sid = services.account_sid WHERE services.sid = ?"),
            arguments: [serviceSid], Account.init(row:))
    }

    /// Every account, oldest first (a node usually has one).
    public func accounts() throws -> [Account] {
        try fetchAll(statement("SELECT * FROM accounts ORDER BY date_created, sid"), Account.init(row:))
    }

    public func insert(_ account: Account) throws {
        try execute(
            """
            INSERT INTO accounts (sid, friendly_name, auth_token, default_chat_service_sid, default_messaging_service_sid,
                                  default_inactive_timer, default_closed_timer, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                account.sid, account.friendlyName, account.authToken, account.configuration.defaultChatServiceSid,
                account.configuration.defaultMessagingServiceSid, account.configuration.defaultInactiveTimer,
                account.configuration.defaultClosedTimer, account.dateCreated, account.dateUpdated,
            ])
    }

    public func update(_ account: Account) throws {
        try execute(
            """
            UPDATE accounts SET friendly_name = ?, auth_token = ?, default_chat_service_sid = ?, default_messaging_service_sid = ?,
                                default_inactive_timer = ?, default_closed_timer = ?, date_updated = ?
            WHERE sid = ?
            """,
            [
                account.friendlyName, account.authToken, account.configuration.defaultChatServiceSid,
                account.configuration.defaultMessagingServiceSid, account.configuration.defaultInactiveTimer,
                account.configuration.defaultClosedTimer, account.dateUpdated, account.sid,
            ])
    }

    /// The API key with this SID.
    public func apiKey(sid: String) throws -> APIKey? {
        try fetchOne(statement("SELECT * FROM api_keys WHERE sid = ?"), arguments: [sid], APIKey.init(row:))
    }

    /// The account's API keys, oldest first.
    public func apiKeys(accountSid: String) throws -> [APIKey] {
        try fetchAll(
            statement("SELECT * FROM api_keys WHERE account_sid = ? ORDER BY date_created, sid"), arguments: [accountSid], APIKey.init(row:))
    }

    public func insert(_ key: APIKey) throws {
        try execute(
            "INSERT INTO api_keys (sid, account_sid, friendly_name, secret, date_created) VALUES (?, ?, ?, ?, ?)",
            [key.sid, key.accountSid, key.friendlyName, key.secret, key.dateCreated])
    }
}

extension Account {
    init(row: Row) {
        self.init(
            sid: row["sid"], friendlyName: row["friendly_name"], authToken: row["auth_token"],
            configuration: AccountConfiguration(
                defaultChatServiceSid: row["default_chat_service_sid"], defaultMessagingServiceSid: row["default_messaging_service_sid"],
                defaultInactiveTimer: row["default_inactive_timer"], defaultClosedTimer: row["default_closed_timer"]),
            dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }
}

extension APIKey {
    init(row: Row) {
        self.init(
            sid: row["sid"], accountSid: row["account_sid"], friendlyName: row["friendly_name"], secret: row["secret"],
            dateCreated: row["date_created"])
    }
}
