import Foundation
import GRDB

extension StoreTransaction {
    public func role(sid: String, serviceSid: String) throws -> Role? {
        try fetchOne(statement("SELECT * FROM roles WHERE sid = ? AND service_sid = ?"), arguments: [sid, serviceSid], Role.init(row:))
    }

    public func roles(serviceSid: String, page: PageRequest) throws -> Page<Role> {
        try self.page(
            table: "roles", filter: "service_sid = ?", arguments: [serviceSid], key: "seq", order: .ascending, request: page,
            decode: Role.init(row:))
    }

    public func insert(_ role: Role) throws {
        try execute(
            "INSERT INTO roles (sid, service_sid, friendly_name, type, permissions, date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [role.sid, role.serviceSid, role.friendlyName, role.type.rawValue, Role.encode(role.permissions), role.dateCreated, role.dateUpdated])
    }

    public func update(_ role: Role) throws {
        try execute(
            "UPDATE roles SET friendly_name = ?, permissions = ?, date_updated = ? WHERE sid = ?",
            [role.friendlyName, Role.encode(role.permissions), role.dateUpdated, role.sid])
    }

    /// Whether any user or participant holds the role.
    public func isRoleAssigned(sid: String) throws -> Bool {
        try value(Bool.self, 
            statement("SELECT EXISTS (SELECT 1 FROM users WHERE role_sid = ?1) OR EXISTS (SELECT 1 FROM participants WHERE role_sid = ?1)"),
            arguments: [sid]) ?? false
    }

    public func deleteRole(sid: String) throws {
        try execute("DELETE FROM roles WHERE sid = ?", [sid])
    }
}

extension Role {
    init(row: Row) {
        let permissionsJSON: String = row["permissions"]
        let permissions = (try? JSONDecoder().decode([String].self, from: Data(permissionsJSON.utf8))) ?? []
        self.init(
            sid: row["sid"], serviceSid: row["service_sid"], friendlyName: row["friendly_name"],
            type: RoleType(rawValue: row["type"]) ?? .conversation, permissions: permissions,
            dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }

    static func encode(_ permissions: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(permissions)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
