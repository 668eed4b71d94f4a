import GRDB

extension StoreTransaction {
    /// The account's push credential with this SID.
    public func pushCredential(sid: String, accountSid: String) throws -> PushCredential? {
        try fetchOne(
            statement("SELECT * FROM push_credentials WHERE sid = ? AND account_sid = ?"), arguments: [sid, accountSid], PushCredential.init(row:))
    }

    /// A page of the account's push credentials, oldest first.
    public func pushCredentials(accountSid: String, page: PageRequest) throws -> Page<PushCredential> {
        try self.page(
            table: "push_credentials", filter: "account_sid = ?", arguments: [accountSid], key: "seq", order: .ascending, request: page,
            decode: PushCredential.init(row:))
    }

    /// The sealed secret material of a credential (`PushSecretBox` opens it) and its public fields.
    public func sealedPushSecret(credentialSid sid: String) throws -> (credential: PushCredential, sealed: String)? {
        try fetchOne(statement("SELECT * FROM push_credentials WHERE sid = ?"), arguments: [sid]) { row in
            (PushCredential(row: row), row["secret"] as String)
        }
    }

    public func insert(_ credential: PushCredential, sealedSecret: String) throws {
        try execute(
            """
            INSERT INTO push_credentials (sid, account_sid, friendly_name, type, sandbox, secret, date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                credential.sid, credential.accountSid, credential.friendlyName, credential.type.rawValue, credential.sandbox, sealedSecret,
                credential.dateCreated, credential.dateUpdated,
            ])
    }

    /// Writes the credential's public fields and, when given, its newly sealed secret.
    public func update(_ credential: PushCredential, sealedSecret: String?) throws {
        try execute(
            """
            UPDATE push_credentials SET friendly_name = ?, type = ?, sandbox = ?, secret = coalesce(?, secret), date_updated = ?
            WHERE sid = ?
            """,
            [credential.friendlyName, credential.type.rawValue, credential.sandbox, sealedSecret, credential.dateUpdated, credential.sid])
    }

    /// Deletes the credential and, by cascade, the device bindings registered with it.
    public func deletePushCredential(sid: String) throws {
        try execute("DELETE FROM push_credentials WHERE sid = ?", [sid])
    }
}

extension PushCredential {
    init(row: Row) {
        self.init(
            sid: row["sid"], accountSid: row["account_sid"], friendlyName: row["friendly_name"],
            type: PushCredential.Kind(rawValue: row["type"]) ?? .apn, sandbox: row["sandbox"], dateCreated: row["date_created"],
            dateUpdated: row["date_updated"])
    }
}
