import Hummingbird
import ParleyCore

/// Account- and Service-level webhook configuration, and Parley's failed-delivery log:
/// `/v1/Configuration/Webhooks`, `/v1/Services/{IS}/Configuration/Webhooks`, `/v1/Webhooks/Failures`.
struct WebhooksController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Configuration/Webhooks", get: fetchAccount, post: updateAccount)
        routes.add("Services/:chatServiceSid/Configuration/Webhooks", get: fetchService, post: updateService)
        routes.add("Webhooks/Failures", get: failures)
    }

    @Sendable func fetchAccount(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let configuration = try await parley.webhooks.accountConfiguration(context.requirePrincipal())
        return JSONResponse.make(status: .ok, try context.renderer().accountWebhookConfiguration(configuration))
    }

    @Sendable func updateAccount(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let configuration = try await parley.webhooks.updateAccountConfiguration(context.requirePrincipal(), Self.changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().accountWebhookConfiguration(configuration))
    }

    @Sendable func fetchService(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let configuration = try await parley.webhooks.serviceConfiguration(context.requirePrincipal(), context.scope)
        return JSONResponse.make(status: .ok, try context.renderer().serviceWebhookConfiguration(configuration))
    }

    @Sendable func updateService(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let configuration = try await parley.webhooks.updateServiceConfiguration(context.requirePrincipal(), context.scope, Self.changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().serviceWebhookConfiguration(configuration))
    }

    /// Deliveries given up after their last retry (`Status=failed`, the default), or `pending`/`delivered` ones.
    @Sendable func failures(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 100)
        let status = try form.enumeration("Status", WebhookDelivery.Status.self) ?? .failed
        let page = try await parley.webhooks.deliveries(context.requirePrincipal(), status: status, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "failures", page: page, path: "\(context.urls.base)/v1/Webhooks/Failures",
                filters: form.string("Status").map { [("Status", $0)] } ?? [], render: renderer.webhookDelivery))
    }

    static func changes(_ form: FormParameters) -> WebhookService.ConfigurationChanges {
        var changes = WebhookService.ConfigurationChanges()
        changes.preWebhookURL = form.string("PreWebhookUrl")
        changes.postWebhookURL = form.string("PostWebhookUrl")
        changes.method = form.string("Method")
        let filters = form.strings("Filters")
        changes.filters = filters.isEmpty ? nil : filters
        changes.target = form.string("Target")
        return changes
    }
}

/// `/Conversations/{CH}/Webhooks`, in both families: the conversation-scoped webhooks.
struct ConversationWebhooksController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Conversations/:conversationSid/Webhooks", get: list, post: create)
        routes.add("Conversations/:conversationSid/Webhooks/:sid", get: fetch, post: update, delete: delete)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        var changes = try Self.changes(form)
        changes.target = form.string("Target")
        changes.replayAfter = try form.int("Configuration.ReplayAfter")
        let webhook = try await parley.webhooks.createConversationWebhook(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), changes)
        return JSONResponse.make(status: .created, try context.renderer().conversationWebhook(webhook))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, defaultSize: 5, maximumSize: 50)
        let conversation = try context.pathParameter("conversationSid")
        let webhooks = try await parley.webhooks.conversationWebhooks(context.requirePrincipal(), context.scope, conversation: conversation)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "webhooks", page: Page(items: webhooks, next: nil, previous: nil), path: "\(context.urls.conversation(conversation))/Webhooks",
                render: renderer.conversationWebhook))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let webhook = try await parley.webhooks.conversationWebhook(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().conversationWebhook(webhook))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let webhook = try await parley.webhooks.updateConversationWebhook(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"),
            Self.changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().conversationWebhook(webhook))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.webhooks.deleteConversationWebhook(
            context.requirePrincipal(), context.scope, conversation: context.pathParameter("conversationSid"), sid: context.pathParameter("sid"))
        return JSONResponse.noContent
    }

    static func changes(_ form: FormParameters) throws -> WebhookService.ConversationWebhookChanges {
        var changes = WebhookService.ConversationWebhookChanges()
        changes.url = form.string("Configuration.Url")
        changes.method = form.string("Configuration.Method")
        let filters = form.strings("Configuration.Filters")
        changes.filters = filters.isEmpty ? nil : filters
        let triggers = form.strings("Configuration.Triggers")
        changes.triggers = triggers.isEmpty ? nil : triggers
        changes.flowSid = form.string("Configuration.FlowSid")
        return changes
    }
}

