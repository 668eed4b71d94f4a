import Hummingbird
import ParleyCore

/// `/client/v1/Me`: the chat user's own User.
struct ClientMeController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Me", get: fetch, post: update)
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let user = try await parley.client.me(context.requireChatPrincipal())
        return JSONResponse.make(status: .ok, try context.renderer().user(user))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let changes = ClientService.UserChanges(friendlyName: form.string("FriendlyName"), attributes: form.string("Attributes"))
        let user = try await parley.client.updateMe(context.requireChatPrincipal(), changes)
        return JSONResponse.make(status: .ok, try context.renderer().user(user))
    }
}
