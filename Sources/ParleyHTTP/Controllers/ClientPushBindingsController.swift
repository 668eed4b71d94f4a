import Hummingbird
import ParleyCore

/// `/client/v1/PushBindings`: a chat user registers one of their devices for pushes (`BindingType` apn|fcm|gcm,
/// `Address` the device token, optional `CredentialSid` (else the token's chat grant `push_credential_sid`),
/// `MessageTypes` (repeatable; all kinds when absent), optional `Endpoint`) and deletes it again. Registering the same
/// address again updates its binding (201 each time, as Twilio answers a create).
struct ClientPushBindingsController: Sendable {
    let parley: Parley
    let limits: HTTPLimits

    func register(on routes: Routes) {
        routes.add("PushBindings", post: create)
        routes.add("PushBindings/:sid", delete: delete)
    }

    @Sendable func create(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let form = try await FormParameters.read(request, limit: limits.body)
        guard let type = try form.enumeration("BindingType", PushBinding.BindingType.self) else {
            throw ParleyError.invalidParameter(name: "BindingType", reason: "is required (apn, fcm or gcm)")
        }
        guard let address = form.string("Address") else { throw ParleyError.invalidParameter(name: "Address", reason: "is required") }
        let registration = PushRegistration(
            bindingType: type, address: address, credentialSid: form.string("CredentialSid"),
            messageTypes: form.strings("MessageTypes") + form.strings("MessageTypes[]"), endpoint: form.string("Endpoint"))
        let binding = try await parley.pushBindings.register(context.requireChatPrincipal(), registration)
        return JSONResponse.make(status: .created, try context.renderer().binding(binding))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.pushBindings.unregister(context.requireChatPrincipal(), sid: context.pathParameter("sid"))
        return JSONResponse.noContent
    }
}
