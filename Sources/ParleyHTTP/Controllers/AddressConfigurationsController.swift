import Hummingbird
import ParleyCore

/// `/v1/Configuration/Addresses`: Address Configurations (autocreation of conversations for inbound messages).
struct AddressConfigurationsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("Configuration/Addresses", get: list, post: create)
        routes.add("Configuration/Addresses/:sid", get: fetch, post: update, delete: delete)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        var changes = try AddressConfigurationService.Changes(form)
        changes.type = form.string("Type")
        changes.address = form.string("Address")
        changes.addressCountry = form.string("AddressCountry")
        let configuration = try await parley.addressConfigurations.create(context.requirePrincipal(), changes)
        return JSONResponse.make(status: .created, try context.renderer().addressConfiguration(configuration))
    }

    @Sendable func update(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let configuration = try await parley.addressConfigurations.update(
            context.requirePrincipal(), sidOrAddress: context.pathParameter("sid"), AddressConfigurationService.Changes(form))
        return JSONResponse.make(status: .ok, try context.renderer().addressConfiguration(configuration))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let configuration = try await parley.addressConfigurations.fetch(context.requirePrincipal(), sidOrAddress: context.pathParameter("sid"))
        return JSONResponse.make(status: .ok, try context.renderer().addressConfiguration(configuration))
    }

    @Sendable func list(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        let paging = try Paging(form, maximumSize: 50)
        let type = form.string("Type")
        let page = try await parley.addressConfigurations.list(context.requirePrincipal(), type: type, page: paging.request)
        let renderer = try context.renderer()
        return JSONResponse.make(
            status: .ok,
            paging.envelope(
                key: "address_configurations", page: page, path: "\(context.urls.base)/v1/Configuration/Addresses",
                filters: type.map { [("Type", $0)] } ?? [], render: renderer.addressConfiguration))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.addressConfigurations.delete(context.requirePrincipal(), sidOrAddress: context.pathParameter("sid"))
        return JSONResponse.noContent
    }
}

extension AddressConfigurationService.Changes {
    /// The fields both create and update take.
    init(_ form: FormParameters) throws {
        self.init()
        friendlyName = form.string("FriendlyName")
        autoCreationEnabled = try form.bool("AutoCreation.Enabled")
        autoCreationType = form.string("AutoCreation.Type")
        conversationServiceSid = form.string("AutoCreation.ConversationServiceSid")
        webhookURL = form.string("AutoCreation.WebhookUrl")
        webhookMethod = form.string("AutoCreation.WebhookMethod")
        let filters = form.strings("AutoCreation.WebhookFilters")
        webhookFilters = filters.isEmpty ? nil : filters
        studioFlowSid = form.string("AutoCreation.StudioFlowSid")
        studioRetryCount = try form.int("AutoCreation.StudioRetryCount")
    }
}
