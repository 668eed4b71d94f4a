/// A named set of permissions, at Service level (for users) or conversation level (for participants).
public struct Role: Sendable, Equatable {
    public var sid: String
    public var serviceSid: String
    public var friendlyName: String
    public var type: RoleType
    public var permissions: [String]
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp
}

public enum RoleType: String, Sendable, CaseIterable {
    case conversation, service
}
