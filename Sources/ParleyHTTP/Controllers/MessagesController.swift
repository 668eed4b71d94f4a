import Hummingbird
import ParleyCore

/// `/Conversations/{CH}/Messages`, in both families.
struct MessagesController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Conversations/:conversationSid/Messages", get: list, post: create)
        routes.add("Conversations/:conversationSid/Messages/:sid", get: fetch, post: update, delete: delete)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let message = try await parley.messages.create(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), MessageService.Changes(form))
        return JSONResponse.make(status: .created, try context.renderer().message(message))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 100)
        let order = try form.enumeration("Order", SortOrder.self) ?? .ascending
        let conversation = try context.pathParameter("conversationSid")
        let page = try await parley.messages.list(
            context.requirePrincipal(), context.scope, conversation: conversation, order: order, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "messages", page: page, path: "\(context.urls.conversation(conversation))/Messages",
                filters: form.string("Order").map { [("Order", $0)] } ?? [], render: renderer.message))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let message = try await parley.messages.fetch(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().message(message))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let message = try await parley.messages.update(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"),
            MessageService.Changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().message(message))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.messages.delete(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"))
        return JSONResponse.noContent
    }
}

extension SortOrder: CaseIterable {
    public static let allCases: [SortOrder] = [.ascending, .descending]
}

extension MessageService.Changes {
    init(_ form: FormParameters) throws {
        self.init()
        author = form.string("Author")
        body = form.string("Body")
        subject = form.string("Subject")
        attributes = form.string("Attributes")
        mediaSids = form.strings("MediaSid")
        contentSid = form.string("ContentSid")
        contentVariables = form.string("ContentVariables")
        dateCreated = try form.timestamp("DateCreated")
        dateUpdated = try form.timestamp("DateUpdated")
    }
}
