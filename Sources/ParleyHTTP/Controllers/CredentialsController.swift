import Hummingbird
import ParleyCore

/// `/v1/Credentials`: push credentials (APNs, FCM, GCM). Secrets go in, never out.
struct CredentialsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Credentials", get: list, post: create)
        routes.add("Credentials/:sid", get: fetch, post: update, delete: delete)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let credential = try await parley.pushCredentials.create(context.requirePrincipal(), Self.changes(form))
        return JSONResponse.make(status: .created, try context.renderer().pushCredential(credential))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let paging = try await Paging(FormParameters.read(request, limit: limits.body), maximumSize: 100)
        let page = try await parley.pushCredentials.list(context.requirePrincipal(), page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(key: "credentials", page: page, path: "\(context.urls.base)/v1/Credentials", render: renderer.pushCredential))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let credential = try await parley.pushCredentials.fetch(context.requirePrincipal(), sid: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().pushCredential(credential))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let credential = try await parley.pushCredentials.update(
            context.requirePrincipal(), sid: context.pathParameter("sid"), Self.changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().pushCredential(credential))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.pushCredentials.delete(context.requirePrincipal(), sid: context.pathParameter("sid"))
        return JSONResponse.noContent
    }

    static func changes(_ form: FormParameters) throws -> PushCredentialService.Changes {
        var changes = PushCredentialService.Changes()
        changes.type = try form.enumeration("Type", PushCredential.Kind.self)
        changes.friendlyName = form.string("FriendlyName")
        changes.sandbox = try form.bool("Sandbox")
        changes.fields = PushCredentialFields(
            certificate: form.string("Certificate"), privateKey: form.string("PrivateKey"), secret: form.string("Secret"),
            apiKey: form.string("ApiKey"))
        return changes
    }
}
