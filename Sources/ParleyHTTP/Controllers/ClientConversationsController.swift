import Hummingbird
import ParleyCore

/// `/client/v1/Conversations` and `/client/v1/Conversations/{Sid or UniqueName}`: the chat user's conversations,
/// as UserConversation resources.
struct ClientConversationsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Conversations", get: list, post: create)
        routes.add("Conversations/:conversationSid", get: fetch, post: update)
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let paging = try await Paging(FormParameters.read(request, limit: limits.body), maximumSize: 50)
        let page = try await parley.client.conversations(context.requireChatPrincipal(), page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(key: "conversations", page: page, path: "\(context.urls.scopeRoot)/Conversations", render: renderer.userConversation))
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let input = ClientService.NewConversation(
            friendlyName: form.string("FriendlyName"), uniqueName: form.string("UniqueName"), attributes: form.string("Attributes"))
        let membership = try await parley.client.createConversation(context.requireChatPrincipal(), input)
        return JSONResponse.make(status: .created, try context.renderer().userConversation(membership))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let membership = try await parley.client.conversation(context.requireChatPrincipal(), context.pathParameter("conversationSid"))
        return JSONResponse.make(status: .ok, try context.renderer().userConversation(membership))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        var changes = MembershipService.Changes()
        changes.notificationLevel = try form.enumeration("NotificationLevel", NotificationLevel.self)
        changes.lastReadMessageIndex = try form.int("LastReadMessageIndex")
        changes.lastReadTimestamp = try form.timestamp("LastReadTimestamp")?.description
        let membership = try await parley.client.updateConversation(
            context.requireChatPrincipal(), context.pathParameter("conversationSid"), changes)
        return JSONResponse.make(status: .ok, try context.renderer().userConversation(membership))
    }
}
