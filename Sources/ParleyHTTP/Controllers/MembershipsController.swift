import Hummingbird
import ParleyCore

/// `/Users/{User}/Conversations` and `/ParticipantConversations`, in both families.
struct MembershipsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Users/:userSid/Conversations", get: listUserConversations)
        routes.add("Users/:userSid/Conversations/:conversationSid", get: fetchUserConversation, post: updateUserConversation, delete: deleteUserConversation)
        routes.add("ParticipantConversations", get: listParticipantConversations)
    }

    @Sendable func listUserConversations(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let paging = try await Paging(FormParameters.read(request, limit: limits.body), maximumSize: 50)
        let user = try context.pathParameter("userSid")
        let page = try await parley.memberships.userConversations(context.requirePrincipal(), context.scope, user: user, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(key: "conversations", page: page, path: "\(context.urls.user(user))/Conversations", render: renderer.userConversation))
    }

    @Sendable func fetchUserConversation(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let membership = try await parley.memberships.userConversation(
            context.requirePrincipal(), context.scope, user: context.pathParameter("userSid"), conversation: context.pathParameter("conversationSid"))
        return JSONResponse.make(status: .ok, try context.renderer().userConversation(membership))
    }

    @Sendable func updateUserConversation(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        var changes = MembershipService.Changes()
        changes.notificationLevel = try form.enumeration("NotificationLevel", NotificationLevel.self)
        changes.lastReadMessageIndex = try form.int("LastReadMessageIndex")
        changes.lastReadTimestamp = try form.timestamp("LastReadTimestamp")?.description
        let membership = try await parley.memberships.updateUserConversation(
            context.requirePrincipal(), context.scope, user: context.pathParameter("userSid"), conversation: context.pathParameter("conversationSid"),
            changes)
        return JSONResponse.make(status: .ok, try context.renderer().userConversation(membership))
    }

    @Sendable func deleteUserConversation(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.memberships.deleteUserConversation(
            context.requirePrincipal(), context.scope, user: context.pathParameter("userSid"), conversation: context.pathParameter("conversationSid"))
        return JSONResponse.noContent
    }

    @Sendable func listParticipantConversations(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 50)
        let member: MembershipService.Member
        let filter: (String, String)
        switch (form.string("Identity"), form.string("Address")) {
        case (let identity?, nil):
            member = .identity(identity)
            filter = ("Identity", identity)
        case (nil, let address?):
            member = .address(address)
            filter = ("Address", address)
        default:
            throw ParleyError.invalidParameter(name: "Identity", reason: "give exactly one of Identity or Address")
        }
        let page = try await parley.memberships.participantConversations(context.requirePrincipal(), context.scope, member: member, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "conversations", page: page, path: "\(context.urls.scopeRoot)/ParticipantConversations", filters: [filter],
                render: renderer.participantConversation))
    }
}
