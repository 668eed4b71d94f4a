import Hummingbird
import ParleyCore

/// `/v1/Configuration`: the account-wide defaults.
struct ConfigurationController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Configuration", get: fetch, post: update)
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let configuration = try await parley.accounts.configuration(context.requirePrincipal())
        return JSONResponse.make(status: .ok, try context.renderer().accountConfiguration(configuration))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        var changes = AccountService.ConfigurationChanges()
        changes.defaultChatServiceSid = form.string("DefaultChatServiceSid")
        changes.defaultMessagingServiceSid = form.string("DefaultMessagingServiceSid")
        changes.defaultInactiveTimer = form.string("DefaultInactiveTimer")
        changes.defaultClosedTimer = form.string("DefaultClosedTimer")
        let configuration = try await parley.accounts.updateConfiguration(context.requirePrincipal(), changes)
        return JSONResponse.make(status: .ok, try context.renderer().accountConfiguration(configuration))
    }
}
