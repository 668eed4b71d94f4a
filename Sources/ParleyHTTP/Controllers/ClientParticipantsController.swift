import Hummingbird
import ParleyCore

/// `/client/v1/Conversations/{Conversation}/Participants[/{Sid or Identity}]`: participants of a conversation the
/// chat user is in. There is no `RoleSid` parameter: added participants get the Service's default conversation role.
struct ClientParticipantsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Conversations/:conversationSid/Participants", get: list, post: create)
        routes.add("Conversations/:conversationSid/Participants/:sid", get: fetch, delete: delete)
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let paging = try await Paging(FormParameters.read(request, limit: limits.body), maximumSize: 100)
        let conversation = try context.pathParameter("conversationSid")
        let page = try await parley.client.participants(context.requireChatPrincipal(), conversation: conversation, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "participants", page: page, path: "\(context.urls.conversation(conversation))/Participants", render: renderer.participant))
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let input = ClientService.NewParticipant(
            identity: form.string("Identity"), address: form.string("MessagingBinding.Address"),
            proxyAddress: form.string("MessagingBinding.ProxyAddress"), projectedAddress: form.string("MessagingBinding.ProjectedAddress"),
            attributes: form.string("Attributes"))
        let participant = try await parley.client.addParticipant(
            context.requireChatPrincipal(), conversation: context.pathParameter("conversationSid"), input)
        return JSONResponse.make(status: .created, try context.renderer().participant(participant))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let participant = try await parley.client.participant(
            context.requireChatPrincipal(), conversation: context.pathParameter("conversationSid"), sidOrIdentity: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().participant(participant))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.client.removeParticipant(
            context.requireChatPrincipal(), conversation: context.pathParameter("conversationSid"), sidOrIdentity: context.pathParameter("sid"))
        return JSONResponse.noContent
    }
}
