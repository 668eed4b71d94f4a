import Hummingbird
import ParleyCore

/// `/v1/Services` and `/v1/Services/{IS}/Configuration`.
struct ServicesController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Services", get: list, post: create)
        routes.add("Services/:chatServiceSid", get: fetch, delete: delete)
        routes.add("Services/:chatServiceSid/Configuration", get: fetchConfiguration, post: updateConfiguration)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let service = try await parley.services.create(context.requirePrincipal(), friendlyName: form.string("FriendlyName"))
        return JSONResponse.make(status: .created, try context.renderer().service(service))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let paging = try await Paging(FormParameters.read(request, limit: limits.body), maximumSize: 100)
        let page = try await parley.services.list(context.requirePrincipal(), page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok, paging.envelope(key: "services", page: page, path: "\(context.urls.base)/v1/Services", render: renderer.service))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let service = try await parley.services.fetch(context.requirePrincipal(), sid: context.pathParameter("chatServiceSid"))
        return JSONResponse.make(status: .ok, try context.renderer().service(service))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.services.delete(context.requirePrincipal(), sid: context.pathParameter("chatServiceSid"))
        return JSONResponse.noContent
    }

    @Sendable func fetchConfiguration(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let service = try await parley.services.configuration(context.requirePrincipal(), context.scope)
        return JSONResponse.make(status: .ok, try context.renderer().serviceConfiguration(service))
    }

    @Sendable func updateConfiguration(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        var changes = ChatServices.ConfigurationChanges()
        changes.defaultConversationCreatorRoleSid = form.string("DefaultConversationCreatorRoleSid")
        changes.defaultConversationRoleSid = form.string("DefaultConversationRoleSid")
        changes.defaultChatServiceRoleSid = form.string("DefaultChatServiceRoleSid")
        changes.reachabilityEnabled = try form.bool("ReachabilityEnabled")
        let service = try await parley.services.updateConfiguration(context.requirePrincipal(), context.scope, changes)
        return JSONResponse.make(status: .ok, try context.renderer().serviceConfiguration(service))
    }
}
