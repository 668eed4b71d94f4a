/// A chat identity in a Service.
public struct User: Sendable, Equatable, Codable {
    public var sid: String
    public var serviceSid: String
    public var identity: String
    public var friendlyName: String?
    public var attributes: String
    public var roleSid: String?
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp
}
