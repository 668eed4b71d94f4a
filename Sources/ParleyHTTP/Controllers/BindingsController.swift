import Hummingbird
import ParleyCore

/// `/v1/Services/{IS}/Bindings`: a Service's push device bindings (list with `BindingType`/`Identity` filters, fetch,
/// delete). Chat clients create them (`ClientPushBindingsController`, twilsock `RegistrationsAdapter`); the spec has
/// no default-Service `/v1/Bindings`.
struct BindingsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Bindings", get: list)
        routes.add("Bindings/:sid", get: fetch, delete: delete)
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 50)
        let types = form.strings("BindingType")
        let identities = form.strings("Identity")
        let page = try await parley.pushBindings.list(
            context.requirePrincipal(), context.scope, bindingTypes: types, identities: identities, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "bindings", page: page, path: "\(context.urls.scopeRoot)/Bindings",
                filters: types.map { ("BindingType", $0) } + identities.map { ("Identity", $0) }, render: renderer.binding))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let binding = try await parley.pushBindings.fetch(context.requirePrincipal(), context.scope, sid: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().binding(binding))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.pushBindings.delete(context.requirePrincipal(), context.scope, sid: context.pathParameter("sid"))
        return JSONResponse.noContent
    }
}
