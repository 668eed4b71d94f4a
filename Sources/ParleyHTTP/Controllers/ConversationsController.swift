import Hummingbird
import ParleyCore

/// `/Conversations`, `/Conversations/{CH}` and `/ConversationWithParticipants`, in both families.
struct ConversationsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Conversations", get: list, post: create)
        routes.add("Conversations/:conversationSid", get: fetch, post: update, delete: delete)
        routes.add("ConversationWithParticipants", post: createWithParticipants)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let conversation = try await parley.conversations.create(context.requirePrincipal(), context.scope, ConversationService.Changes(form))
        return JSONResponse.make(status: .created, try context.renderer().conversation(conversation))
    }

    @Sendable func createWithParticipants(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let conversation = try await parley.conversations.createWithParticipants(
            context.requirePrincipal(), context.scope, ConversationService.Changes(form), participants: form.strings("Participant"))
        return JSONResponse.make(status: .created, try context.renderer().conversation(conversation))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 100)
        let filter = ConversationFilter(
            state: try form.enumeration("State", ConversationState.self), createdFrom: try form.creationDate("StartDate", .first),
            createdUntil: try form.creationDate("EndDate", .last))
        let page = try await parley.conversations.list(context.requirePrincipal(), context.scope, filter: filter, page: paging.request)
        let renderer = try context.renderer()
        let filters = ["StartDate", "EndDate", "State"].compactMap { name in form.string(name).map { (name, $0) } }
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "conversations", page: page, path: "\(context.urls.scopeRoot)/Conversations", filters: filters, render: renderer.conversation))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let conversation = try await parley.conversations.fetch(
            context.requirePrincipal(), context.scope, sidOrUniqueName: context.pathParameter("conversationSid"))
        return JSONResponse.make(status: .ok, try context.renderer().conversation(conversation))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let conversation = try await parley.conversations.update(
            context.requirePrincipal(), context.scope, sidOrUniqueName: context.pathParameter("conversationSid"), ConversationService.Changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().conversation(conversation))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.conversations.delete(context.requirePrincipal(), context.scope, sidOrUniqueName: context.pathParameter("conversationSid"))
        return JSONResponse.noContent
    }
}

extension ConversationService.Changes {
    init(_ form: FormParameters) throws {
        self.init()
        friendlyName = form.string("FriendlyName")
        uniqueName = form.string("UniqueName")
        attributes = form.string("Attributes")
        messagingServiceSid = form.string("MessagingServiceSid")
        state = try form.enumeration("State", ConversationState.self)
        timerInactive = form.string("Timers.Inactive")
        timerClosed = form.string("Timers.Closed")
        emailAddress = form.string("Bindings.Email.Address")
        emailName = form.string("Bindings.Email.Name")
        dateCreated = try form.timestamp("DateCreated")
        dateUpdated = try form.timestamp("DateUpdated")
    }
}

/// Which second of a bare date a list filter means.
private enum DayEdge {
    case first, last
}

extension FormParameters {
    /// `StartDate`/`EndDate`: an ISO 8601 date-time, or a bare date (`2021-05-01`, which the spec describes and the helper
    /// libraries pass through) meaning that whole day in UTC: its first second for a start, its last (`23:59:59Z`, included)
    /// for an end.
    fileprivate func creationDate(_ name: String, _ edge: DayEdge) throws -> Timestamp? {
        guard let text = string(name) else { return nil }
        if let day = Timestamp(calendarDate: text) { return edge == .first ? day : day.adding(seconds: 86_399) }
        guard let value = Timestamp(iso8601: text) else {
            throw ParleyError.invalidParameter(name: name, reason: "must be a date such as 2021-05-01 or an ISO 8601 date-time such as 2021-05-01T00:00:00Z")
        }
        return value
    }
}
