/// Lookups every service method starts with: each one scoped by account and Service, each one a
/// 404 (never a leak) when the thing is not there or belongs elsewhere.
extension StoreTransaction {
    /// The Service a request addresses, if the principal's account owns it.
    func resolveService(_ principal: Principal, _ scope: ServiceScope) throws -> ChatService {
        let sid: String
        switch scope {
        case .service(let explicit):
            sid = explicit
        case .defaultService:
            guard let account = try account(sid: principal.accountSid), let defaultSid = account.configuration.defaultChatServiceSid else {
                throw ParleyError.notFound(resource: "/Configuration (no default Conversation Service)")
            }
            sid = defaultSid
        }
        guard let service = try service(sid: sid, accountSid: principal.accountSid) else {
            throw ParleyError.notFound(resource: "/Services/\(sid)")
        }
        return service
    }

    func requireConversation(_ sidOrUniqueName: String, in service: ChatService) throws -> Conversation {
        try found(conversation(sidOrUniqueName: sidOrUniqueName, serviceSid: service.sid), "/Conversations/\(sidOrUniqueName)")
    }

    func requireParticipant(_ sidOrIdentity: String, in conversation: Conversation) throws -> Participant {
        try found(
            participant(sidOrIdentity: sidOrIdentity, conversationSid: conversation.sid),
            "/Conversations/\(conversation.sid)/Participants/\(sidOrIdentity)")
    }

    func requireMessage(_ sid: String, in conversation: Conversation) throws -> Message {
        try found(message(sid: sid, conversationSid: conversation.sid), "/Conversations/\(conversation.sid)/Messages/\(sid)")
    }

    func requireUser(_ sidOrIdentity: String, in service: ChatService) throws -> User {
        try found(user(sidOrIdentity: sidOrIdentity, serviceSid: service.sid), "/Users/\(sidOrIdentity)")
    }

    func requireRole(_ sid: String, in service: ChatService) throws -> Role {
        try found(role(sid: sid, serviceSid: service.sid), "/Roles/\(sid)")
    }

    /// The value, or a 404 naming `resource`.
    private func found<Value>(_ value: Value?, _ resource: @autoclosure () -> String) throws -> Value {
        guard let value else { throw ParleyError.notFound(resource: resource()) }
        return value
    }

    /// A role given as a parameter: it must exist in the Service and be of `type`.
    func roleParameter(_ sid: String?, type: RoleType, in service: ChatService, name: String = "RoleSid") throws -> String? {
        guard let sid else { return nil }
        try Validate.sid(sid, .role, name: name)
        guard let role = try role(sid: sid, serviceSid: service.sid) else {
            throw ParleyError.invalidParameter(name: name, reason: "no role \(sid) in this Service")
        }
        guard role.type == type else {
            throw ParleyError.invalidParameter(name: name, reason: "role \(sid) is a \(role.type.rawValue) role, not a \(type.rawValue) role")
        }
        return sid
    }
}
