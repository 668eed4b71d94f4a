import Hummingbird
import ParleyCore

/// Parley's failed-push log, `/v1/Push/Failures`: pushes given up after their last retry or refused by the provider,
/// as `/v1/Webhooks/Failures` lists webhooks.
struct PushFailuresController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Push/Failures", get: failures)
    }

    /// Pushes given up (`Status=failed`, the default), or `pending`/`delivered` ones.
    @Sendable func failures(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 100)
        let status = try form.enumeration("Status", PushDelivery.Status.self) ?? .failed
        let page = try await parley.pushDeliveries.deliveries(context.requirePrincipal(), status: status, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "failures", page: page, path: "\(context.urls.base)/v1/Push/Failures",
                filters: form.string("Status").map { [("Status", $0)] } ?? [], render: renderer.pushDelivery))
    }
}
