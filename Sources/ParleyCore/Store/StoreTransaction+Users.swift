import GRDB

extension StoreTransaction {
    /// The User with this SID, or with this identity when `sidOrIdentity` is not a User SID.
    public func user(sidOrIdentity: String, serviceSid: String) throws -> User? {
        let column = SID.isValid(sidOrIdentity, .user) ? "sid" : "identity"
        return try fetchOne(
            statement("SELECT * FROM users WHERE \(column) = ? AND service_sid = ?"), arguments: [sidOrIdentity, serviceSid], User.init(row:))
    }

    /// The SIDs of the Users with these identities, by identity: one query for a page of participants.
    public func userSids(identities: [String], serviceSid: String) throws -> [String: String] {
        guard !identities.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: identities.count).joined(separator: ",")
        let pairs = try fetchAll(
            uncachedStatement("SELECT identity, sid FROM users WHERE service_sid = ? AND identity IN (\(marks))"),
            arguments: SQLArguments([serviceSid] + identities)
        ) { row in (row["identity"] as String, row["sid"] as String) }
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    public func users(serviceSid: String, page: PageRequest) throws -> Page<User> {
        try self.page(
            table: "users", filter: "service_sid = ?", arguments: [serviceSid], key: "seq", order: .ascending, request: page,
            decode: User.init(row:))
    }

    public func insert(_ user: User) throws {
        try execute(
            """
            INSERT INTO users (sid, service_sid, identity, friendly_name, attributes, role_sid, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [user.sid, user.serviceSid, user.identity, user.friendlyName, user.attributes, user.roleSid, user.dateCreated, user.dateUpdated])
    }

    public func update(_ user: User) throws {
        try execute(
            "UPDATE users SET friendly_name = ?, attributes = ?, role_sid = ?, date_updated = ? WHERE sid = ?",
            [user.friendlyName, user.attributes, user.roleSid, user.dateUpdated, user.sid])
    }

    public func deleteUser(sid: String) throws {
        try execute("DELETE FROM users WHERE sid = ?", [sid])
    }
}

extension User {
    init(row: Row) {
        self.init(
            sid: row["sid"], serviceSid: row["service_sid"], identity: row["identity"], friendlyName: row["friendly_name"],
            attributes: row["attributes"], roleSid: row["role_sid"], dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }
}
