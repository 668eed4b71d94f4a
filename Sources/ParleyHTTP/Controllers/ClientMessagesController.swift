import Hummingbird
import ParleyCore

/// `/client/v1/Conversations/{Conversation}/Messages[/{Sid}]`: messages of a conversation the chat user is in.
/// There is no `Author` parameter: the author is always the token's identity.
struct ClientMessagesController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Conversations/:conversationSid/Messages", get: list, post: create)
        routes.add("Conversations/:conversationSid/Messages/:sid", get: fetch, post: update, delete: delete)
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 100)
        let order = try form.enumeration("Order", SortOrder.self) ?? .ascending
        let conversation = try context.pathParameter("conversationSid")
        let page = try await parley.client.messages(context.requireChatPrincipal(), conversation: conversation, order: order, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "messages", page: page, path: "\(context.urls.conversation(conversation))/Messages",
                filters: form.string("Order").map { [("Order", $0)] } ?? [], render: renderer.message))
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let input = ClientService.NewMessage(body: form.string("Body"), attributes: form.string("Attributes"), mediaSids: form.strings("MediaSid"))
        let message = try await parley.client.sendMessage(
            context.requireChatPrincipal(), conversation: context.pathParameter("conversationSid"), input)
        return JSONResponse.make(status: .created, try context.renderer().message(message))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let message = try await parley.client.message(
            context.requireChatPrincipal(), conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().message(message))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let edit = ClientService.MessageEdit(body: form.string("Body"), attributes: form.string("Attributes"))
        let message = try await parley.client.editMessage(
            context.requireChatPrincipal(), conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"), edit)
        return JSONResponse.make(status: .ok, try context.renderer().message(message))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.client.deleteMessage(
            context.requireChatPrincipal(), conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"))
        return JSONResponse.noContent
    }
}
