import Hummingbird
import ParleyCore

/// `/Conversations/{CH}/Messages/{IM}/Receipts`, in both families: a message's delivery receipts. The message
/// segment is `:sid`, as in `MessagesController` (the router refuses two names for one segment).
struct ReceiptsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Conversations/:conversationSid/Messages/:sid/Receipts", get: list)
        routes.add("Conversations/:conversationSid/Messages/:sid/Receipts/:receiptSid", get: fetch)
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 50)
        let conversation = try context.pathParameter("conversationSid")
        let message = try context.pathParameter("sid")
        let page = try await parley.channels.receipts(
            context.requirePrincipal(), context.scope, conversation: conversation, message: message, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "delivery_receipts", page: page, path: "\(context.urls.message(message, conversation: conversation))/Receipts",
                render: renderer.receipt))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let receipt = try await parley.channels.receipt(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"),
            message: context.pathParameter("sid"), sid: context.pathParameter("receiptSid"))
        return JSONResponse.make(status: .ok, try context.renderer().receipt(receipt))
    }
}
