import Hummingbird
import ParleyCore

/// `/Roles`, in both families.
struct RolesController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Roles", get: list, post: create)
        routes.add("Roles/:sid", get: fetch, post: update, delete: delete)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let role = try await parley.roles.create(
            context.requirePrincipal(), context.scope, friendlyName: form.string("FriendlyName"), type: form.enumeration("Type", RoleType.self),
            permissions: form.strings("Permission"))
        return JSONResponse.make(status: .created, try context.renderer().role(role))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let paging = try await Paging(FormParameters.read(request, limit: limits.body), maximumSize: 50)
        let page = try await parley.roles.list(context.requirePrincipal(), context.scope, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok, paging.envelope(key: "roles", page: page, path: "\(context.urls.scopeRoot)/Roles", render: renderer.role))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let role = try await parley.roles.fetch(context.requirePrincipal(), context.scope, sid: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().role(role))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let role = try await parley.roles.update(
            context.requirePrincipal(), context.scope, sid: context.pathParameter("sid"), permissions: form.strings("Permission"))
        return JSONResponse.make(status: .ok, try context.renderer().role(role))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.roles.delete(context.requirePrincipal(), context.scope, sid: context.pathParameter("sid"))
        return JSONResponse.noContent
    }
}
