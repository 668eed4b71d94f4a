/// Push credentials (`/v1/Credentials`): account-level, as in Twilio. The secret material is checked on create and
/// update (a bad PEM or service account is a 400 and nothing is stored), sealed with the `PushSecretBox` and never
/// returned; the push worker opens it with `secret(credentialSid:)`.
public struct PushCredentialService: Sendable {
    let store: Store
    let box: PushSecretBox
    let now: @Sendable () -> Timestamp

    /// What a create or update sends; nil fields are not changed.
    public struct Changes: Sendable {
        public var type: PushCredential.Kind?
        public var friendlyName: String?
        public var sandbox: Bool?
        public var fields = PushCredentialFields()

        public init() {}
    }

    /// `FriendlyName` is at most 64 characters (spec).
    static let friendlyNameLimit = 64

    public func create(_ principal: Principal, _ changes: Changes) async throws -> PushCredential {
        guard let type = changes.type else { throw ParleyError.invalidParameter(name: "Type", reason: "is required: apn, fcm or gcm") }
        try Validate.length(changes.friendlyName, Self.friendlyNameLimit, name: "FriendlyName")
        let secret = try changes.fields.secret(for: type)
        let now = self.now()
        let credential = PushCredential(
            sid: SID.make(.credential, now: now), accountSid: principal.accountSid, friendlyName: changes.friendlyName, type: type,
            sandbox: changes.sandbox ?? false, dateCreated: now, dateUpdated: now)
        let sealed = try seal(secret, credentialSid: credential.sid)
        try await store.write { tx in try tx.insert(credential, sealedSecret: sealed) }
        return credential
    }

    public func fetch(_ principal: Principal, sid: String) async throws -> PushCredential {
        try await store.read { tx in try tx.requirePushCredential(sid, principal) }
    }

    public func list(_ principal: Principal, page: PageRequest) async throws -> Page<PushCredential> {
        try await store.read { tx in try tx.pushCredentials(accountSid: principal.accountSid, page: page) }
    }

    /// Changes the public fields and, when secret fields are sent, re-checks and re-seals the secret: fields not sent
    /// are kept from the stored secret (e.g. a new `PrivateKey` for the same `Certificate`). A new `Type` needs all of
    /// its secret fields.
    public func update(_ principal: Principal, sid: String, _ changes: Changes) async throws -> PushCredential {
        try Validate.length(changes.friendlyName, Self.friendlyNameLimit, name: "FriendlyName")
        let now = self.now()
        return try await store.write { tx in
            var credential = try tx.requirePushCredential(sid, principal)
            let type = changes.type ?? credential.type
            var sealed: String?
            if type != credential.type {
                sealed = try seal(changes.fields.secret(for: type), credentialSid: sid)
            } else if !changes.fields.isEmpty {
                let previous = try tx.sealedPushSecret(credentialSid: sid).flatMap { try? box.open($0.sealed, credentialSid: sid) }
                sealed = try seal(changes.fields.secret(for: type, previous: previous), credentialSid: sid)
            }
            credential.type = type
            if let friendlyName = changes.friendlyName { credential.friendlyName = friendlyName }
            if let sandbox = changes.sandbox { credential.sandbox = sandbox }
            credential.dateUpdated = now
            try tx.update(credential, sealedSecret: sealed)
            return credential
        }
    }

    /// Deletes the credential and the device bindings registered with it.
    public func delete(_ principal: Principal, sid: String) async throws {
        try await store.write { tx in
            let credential = try tx.requirePushCredential(sid, principal)
            try tx.deletePushCredential(sid: credential.sid)
        }
    }

    /// The opened secret of a credential and its `Sandbox` flag, for the push worker; nil when the credential is gone.
    /// Throws `PushSecretBox.Failure` when the secret does not open (the key file is missing or another one).
    public func secret(credentialSid sid: String) async throws -> (PushCredentialSecret, sandbox: Bool)? {
        guard let stored = try await store.read({ tx in try tx.sealedPushSecret(credentialSid: sid) }) else { return nil }
        return (try box.open(stored.sealed, credentialSid: sid), sandbox: stored.credential.sandbox)
    }

    private func seal(_ secret: PushCredentialSecret, credentialSid sid: String) throws -> String {
        do {
            return try box.seal(secret, credentialSid: sid)
        } catch let failure as PushSecretBox.Failure {
            throw ParleyError.pushSecretsUnavailable(reason: failure.description)
        }
    }
}

extension StoreTransaction {
    /// The account's credential, or 20404.
    func requirePushCredential(_ sid: String, _ principal: Principal) throws -> PushCredential {
        guard let credential = try pushCredential(sid: sid, accountSid: principal.accountSid) else {
            throw ParleyError.notFound(resource: "/Credentials/\(sid)")
        }
        return credential
    }
}
