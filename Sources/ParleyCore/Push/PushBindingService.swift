/// Device bindings: the admin API lists, fetches and deletes a Service's (`/v1/Services/{IS}/Bindings`); chat clients
/// register and unregister their own devices (the client API and the SDK's registrations through twilsock).
public struct PushBindingService: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    /// The longest device address accepted (APNs tokens are 64 hex digits, FCM tokens a few hundred characters).
    static let maximumAddressLength = 4096

    // MARK: - Admin API

    /// The Service's bindings, oldest first; `bindingTypes` (`apn`, `fcm`, `gcm`) and `identities` filter when given.
    public func list(_ principal: Principal, _ scope: ServiceScope, bindingTypes: [String], identities: [String], page: PageRequest) async throws
        -> Page<PushBinding>
    {
        for type in bindingTypes where PushBinding.BindingType(rawValue: type) == nil {
            throw ParleyError.invalidParameter(name: "BindingType", reason: "must be apn, fcm or gcm, not \(type)")
        }
        return try await store.read { tx in
            try tx.pushBindings(serviceSid: tx.resolveService(principal, scope).sid, bindingTypes: bindingTypes, identities: identities, page: page)
        }
    }

    public func fetch(_ principal: Principal, _ scope: ServiceScope, sid: String) async throws -> PushBinding {
        try await store.read { tx in try tx.requirePushBinding(sid, in: tx.resolveService(principal, scope)) }
    }

    public func delete(_ principal: Principal, _ scope: ServiceScope, sid: String) async throws {
        try await store.write { tx in
            let binding = try tx.requirePushBinding(sid, in: tx.resolveService(principal, scope))
            try tx.deletePushBinding(sid: binding.sid)
        }
    }

    // MARK: - Chat clients

    /// Registers one of `user`'s devices, or re-registers it: the same (Service, type, address) keeps its row and takes
    /// the caller's identity, credential and message types. The credential is the registration's, else the token's
    /// chat grant `push_credential_sid`; it must be the account's and fit the type (an `apn` credential for `apn`).
    public func register(_ user: ChatPrincipal, _ registration: PushRegistration) async throws -> PushBinding {
        try Validate.notEmpty(registration.address, name: "Address")
        try Validate.length(registration.address, Self.maximumAddressLength, name: "Address")
        try Validate.length(registration.endpoint, Self.maximumAddressLength, name: "Endpoint")
        guard let credentialSid = registration.credentialSid ?? user.pushCredentialSid else {
            throw ParleyError.invalidParameter(
                name: "CredentialSid", reason: "is required when the access token's chat grant has no push_credential_sid")
        }
        try Validate.sid(credentialSid, .credential, name: "CredentialSid")
        let kinds = registration.kinds
        guard !kinds.isEmpty else {
            throw ParleyError.invalidParameter(
                name: "MessageTypes", reason: "names none of new_message, added_to_conversation, removed_from_conversation")
        }
        let now = self.now()
        return try await store.write { tx in
            guard let credential = try tx.pushCredential(sid: credentialSid, accountSid: user.accountSid) else {
                throw ParleyError.notFound(resource: "/Credentials/\(credentialSid)")
            }
            guard (registration.bindingType == .apn) == (credential.type == .apn) else {
                throw ParleyError.invalidParameter(
                    name: "CredentialSid",
                    reason: "is a \(credential.type.rawValue) credential, which cannot push to a \(registration.bindingType.rawValue) binding")
            }
            return try tx.upsert(
                PushBinding(
                    sid: SID.make(.binding, now: now), accountSid: user.accountSid, serviceSid: user.serviceSid, credentialSid: credentialSid,
                    identity: user.identity, bindingType: registration.bindingType, address: registration.address,
                    endpoint: registration.endpoint ?? registration.address, messageTypes: kinds, dateCreated: now, dateUpdated: now))
        }
    }

    /// Deletes one of `user`'s own bindings; another user's (or an unknown SID) is a 404.
    public func unregister(_ user: ChatPrincipal, sid: String) async throws {
        try await store.write { tx in
            guard let binding = try tx.pushBinding(sid: sid, serviceSid: user.serviceSid), binding.identity == user.identity else {
                throw ParleyError.notFound(resource: "/PushBindings/\(sid)")
            }
            try tx.deletePushBinding(sid: binding.sid)
        }
    }

    /// Deletes `user`'s binding of the device `address` (the SDK's `removePushRegistrations`); nothing when there is none.
    public func unregister(_ user: ChatPrincipal, bindingType: PushBinding.BindingType, address: String) async throws {
        try await store.write { tx in
            if let binding = try tx.pushBinding(serviceSid: user.serviceSid, bindingType: bindingType, address: address), binding.identity == user.identity {
                try tx.deletePushBinding(sid: binding.sid)
            }
        }
    }
}

extension StoreTransaction {
    func requirePushBinding(_ sid: String, in service: ChatService) throws -> PushBinding {
        guard let binding = try pushBinding(sid: sid, serviceSid: service.sid) else { throw ParleyError.notFound(resource: "/Bindings/\(sid)") }
        return binding
    }
}
