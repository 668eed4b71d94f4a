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
        guard let conversation = try conversation(sidOrUniqueName: sidOrUniqueName, serviceSid: service.sid) else {
            throw ParleyError.notFound(resource: "/Conversations/\(sidOrUniqueName)")
        }
        return conversation
    }

    func requireParticipant(_ sidOrIdentity: String, in conversation: Conversation) throws -> Participant {
        guard let participant = try participant(sidOrIdentity: sidOrIdentity, conversationSid: conversation.sid) else {
            throw ParleyError.notFound(resource: "/Conversations/\(conversation.sid)/Participants/\(sidOrIdentity)")
        }
        return participant
    }

    func requireMessage(_ sid: String, in conversation: Conversation) throws -> Message {
        guard let message = try message(sid: sid, conversationSid: conversation.sid) else {
            throw ParleyError.notFound(resource: "/Conversations/\(conversation.sid)/Messages/\(sid)")
        }
        return message
    }

    func requireUser(_ sidOrIdentity: String, in service: ChatService) throws -> User {
        guard let user = try user(sidOrIdentity: sidOrIdentity, serviceSid: service.sid) else {
            throw ParleyError.notFound(resource: "/Users/\(sidOrIdentity)")
        }
        return user
    }

    func requireRole(_ sid: String, in service: ChatService) throws -> Role {
        guard let role = try role(sid: sid, serviceSid: service.sid) else {
            throw ParleyError.notFound(resource: "/Roles/\(sid)")
        }
        return role
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
