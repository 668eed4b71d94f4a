import GRDB

extension StoreTransaction {
    /// The Service's bindings, oldest first; `bindingTypes` and `identities` filter when not empty.
    public func pushBindings(serviceSid: String, bindingTypes: [String], identities: [String], page: PageRequest) throws -> Page<PushBinding> {
        // The filters travel as JSON arrays, so the statement text is constant whatever their length.
        try self.page(
            table: "push_bindings",
            filter: """
                service_sid = ? AND (? = '[]' OR binding_type IN (SELECT value FROM json_each(?)))
                AND (? = '[]' OR identity IN (SELECT value FROM json_each(?)))
                """,
            arguments: [
                serviceSid, Self.jsonArray(bindingTypes), Self.jsonArray(bindingTypes), Self.jsonArray(identities), Self.jsonArray(identities),
            ],
            key: "seq", order: .ascending, request: page, decode: PushBinding.init(row:))
    }

    public func pushBinding(sid: String, serviceSid: String) throws -> PushBinding? {
        try fetchOne(statement("SELECT * FROM push_bindings WHERE sid = ? AND service_sid = ?"), arguments: [sid, serviceSid], PushBinding.init(row:))
    }

    public func pushBinding(serviceSid: String, bindingType: PushBinding.BindingType, address: String) throws -> PushBinding? {
        try fetchOne(
            statement("SELECT * FROM push_bindings WHERE service_sid = ? AND binding_type = ? AND address = ?"),
            arguments: [serviceSid, bindingType.rawValue, address], PushBinding.init(row:))
    }

    /// Inserts `binding`, or, when its (Service, type, address) is registered already, gives that row the new identity,
    /// credential, endpoint and message types (its SID and creation date stay). Returns the row as stored.
    public func upsert(_ binding: PushBinding) throws -> PushBinding {
        try execute(
            """
            INSERT INTO push_bindings (sid, account_sid, service_sid, credential_sid, identity, binding_type, address, endpoint, message_types,
                                       date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (service_sid, binding_type, address) DO UPDATE SET credential_sid = excluded.credential_sid, identity = excluded.identity,
                endpoint = excluded.endpoint, message_types = excluded.message_types, date_updated = excluded.date_updated
            """,
            [
                binding.sid, binding.accountSid, binding.serviceSid, binding.credentialSid, binding.identity, binding.bindingType.rawValue,
                binding.address, binding.endpoint, Self.jsonArray(binding.messageTypes), binding.dateCreated, binding.dateUpdated,
            ])
        return try pushBinding(serviceSid: binding.serviceSid, bindingType: binding.bindingType, address: binding.address) ?? binding
    }

    public func deletePushBinding(sid: String) throws {
        try execute("DELETE FROM push_bindings WHERE sid = ?", [sid])
    }
}

extension PushBinding {
    init(row: Row) {
        self.init(
            sid: row["sid"], accountSid: row["account_sid"], serviceSid: row["service_sid"], credentialSid: row["credential_sid"],
            identity: row["identity"], bindingType: BindingType(rawValue: row["binding_type"]) ?? .fcm, address: row["address"],
            endpoint: row["endpoint"], messageTypes: StoreTransaction.stringArray(row["message_types"]), dateCreated: row["date_created"],
            dateUpdated: row["date_updated"])
    }
}
