/// Roles (`/v1/Roles`, `/v1/Services/{IS}/Roles`).
public struct RoleService: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp

    public func create(_ principal: Principal, _ scope: ServiceScope, friendlyName: String?, type: RoleType?, permissions: [String]) async throws -> Role {
        guard let friendlyName, !friendlyName.isEmpty else { throw ParleyError.invalidParameter(name: "FriendlyName", reason: "is required") }
        try Validate.length(friendlyName, Limits.roleFriendlyName, name: "FriendlyName")
        guard let type else { throw ParleyError.invalidParameter(name: "Type", reason: "is required: conversation or service") }
        try Self.validate(permissions, for: type)
        let now = self.now()
        return try await store.write { tx in
            let service = try tx.resolveService(principal, scope)
            let role = Role(
                sid: SID.make(.role, now: now), serviceSid: service.sid, friendlyName: friendlyName, type: type, permissions: permissions,
                dateCreated: now, dateUpdated: now)
            try tx.insert(role)
            return role
        }
    }

    public func fetch(_ principal: Principal, _ scope: ServiceScope, sid: String) async throws -> Role {
        try await store.read { tx in try tx.requireRole(sid, in: tx.resolveService(principal, scope)) }
    }

    public func list(_ principal: Principal, _ scope: ServiceScope, page: PageRequest) async throws -> Page<Role> {
        try await store.read { tx in try tx.roles(serviceSid: tx.resolveService(principal, scope).sid, page: page) }
    }

    /// Replaces the role's permissions.
    public func update(_ principal: Principal, _ scope: ServiceScope, sid: String, permissions: [String]) async throws -> Role {
        let now = self.now()
        return try await store.write { tx in
            var role = try tx.requireRole(sid, in: tx.resolveService(principal, scope))
            try Self.validate(permissions, for: role.type)
            role.permissions = permissions
            role.dateUpdated = now
            try tx.update(role)
            return role
        }
    }

    /// Deletes a role that no user or participant holds and that is not a Service default.
    public func delete(_ principal: Principal, _ scope: ServiceScope, sid: String) async throws {
        try await store.write { tx in
            let service = try tx.resolveService(principal, scope)
            let role = try tx.requireRole(sid, in: service)
            let defaults = [
                service.configuration.defaultChatServiceRoleSid, service.configuration.defaultConversationRoleSid,
                service.configuration.defaultConversationCreatorRoleSid,
            ]
            let assigned = try tx.isRoleAssigned(sid: role.sid)
            if defaults.contains(role.sid) || assigned { throw ParleyError.roleInUse(sid: role.sid) }
            try tx.deleteRole(sid: role.sid)
        }
    }

    static func validate(_ permissions: [String], for type: RoleType) throws {
        guard !permissions.isEmpty else { throw ParleyError.invalidParameter(name: "Permission", reason: "is required: at least one permission") }
        let allowed = Permissions.allowed(for: type)
        if let unknown = permissions.first(where: { !allowed.contains($0) }) {
            throw ParleyError.invalidParameter(name: "Permission", reason: "'\(unknown)' is not a \(type.rawValue) permission")
        }
    }
}
