import Hummingbird
import ParleyCore

/// `GET /v1/Sandbox/Deliveries` (Parley's own): what the sandbox transport would have sent, oldest first.
struct SandboxController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Sandbox/Deliveries", get: list)
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 100)
        let page = try await parley.channels.sandboxDeliveries(context.requirePrincipal(), page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(key: "deliveries", page: page, path: "\(context.urls.base)/v1/Sandbox/Deliveries", render: renderer.sandboxDelivery))
    }
}
