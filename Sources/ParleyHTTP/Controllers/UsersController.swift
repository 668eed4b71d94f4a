import Hummingbird
import ParleyCore

/// `/Users`, in both families.
struct UsersController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Users", get: list, post: create)
        routes.add("Users/:userSid", get: fetch, post: update, delete: delete)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let user = try await parley.users.create(context.requirePrincipal(), context.scope, UserService.Changes(form))
        return JSONResponse.make(status: .created, try context.renderer().user(user))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let paging = try await Paging(FormParameters.read(request, limit: limits.body), maximumSize: 50)
        let page = try await parley.users.list(context.requirePrincipal(), context.scope, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok, paging.envelope(key: "users", page: page, path: "\(context.urls.scopeRoot)/Users", render: renderer.user))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let user = try await parley.users.fetch(context.requirePrincipal(), context.scope, sidOrIdentity: context.pathParameter("userSid"))
        return JSONResponse.make(status: .ok, try context.renderer().user(user))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        var changes = UserService.Changes(form)
        changes.identity = nil  // identity is fixed at creation
        let user = try await parley.users.update(
            context.requirePrincipal(), context.scope, sidOrIdentity: context.pathParameter("userSid"), changes)
        return JSONResponse.make(status: .ok, try context.renderer().user(user))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.users.delete(context.requirePrincipal(), context.scope, sidOrIdentity: context.pathParameter("userSid"))
        return JSONResponse.noContent
    }
}

extension UserService.Changes {
    init(_ form: FormParameters) {
        self.init(
            identity: form.string("Identity"), friendlyName: form.string("FriendlyName"), attributes: form.string("Attributes"),
            roleSid: form.string("RoleSid"))
    }
}
