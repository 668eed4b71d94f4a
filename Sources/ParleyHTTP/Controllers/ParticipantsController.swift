import Hummingbird
import ParleyCore

/// `/Conversations/{CH}/Participants`, in both families.
struct ParticipantsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Conversations/:conversationSid/Participants", get: list, post: create)
        routes.add("Conversations/:conversationSid/Participants/:sid", get: fetch, post: update, delete: delete)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let participant = try await parley.participants.create(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), ParticipantService.Changes(form))
        return JSONResponse.make(status: .created, try context.renderer().participant(participant))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let paging = try await Paging(FormParameters.read(request, limit: limits.body), maximumSize: 100)
        let conversation = try context.pathParameter("conversationSid")
        let page = try await parley.participants.list(context.requirePrincipal(), context.scope, conversation: conversation, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "participants", page: page, path: "\(context.urls.conversation(conversation))/Participants", render: renderer.participant))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let participant = try await parley.participants.fetch(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"),
            sidOrIdentity: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().participant(participant))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let participant = try await parley.participants.update(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"),
            sidOrIdentity: context.pathParameter("sid"), ParticipantService.Changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().participant(participant))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.participants.delete(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"),
            sidOrIdentity: context.pathParameter("sid"))
        return JSONResponse.noContent
    }
}

extension ParticipantService.Changes {
    init(_ form: FormParameters) throws {
        self.init()
        identity = form.string("Identity")
        address = form.string("MessagingBinding.Address")
        proxyAddress = form.string("MessagingBinding.ProxyAddress")
        projectedAddress = form.string("MessagingBinding.ProjectedAddress")
        attributes = form.string("Attributes")
        roleSid = form.string("RoleSid")
        lastReadMessageIndex = try form.int("LastReadMessageIndex")
        lastReadTimestamp = form.string("LastReadTimestamp")
        dateCreated = try form.timestamp("DateCreated")
        dateUpdated = try form.timestamp("DateUpdated")
    }
}
