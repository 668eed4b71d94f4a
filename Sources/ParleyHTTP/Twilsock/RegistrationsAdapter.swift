import Foundation
import ParleyCore

/// Twilio's push registrar (ERS), as the JavaScript SDK (`@twilio/notifications`) calls it through the tunnel when an
/// app calls `client.setPushRegistrationId('fcm' | 'apn', token)`:
/// - `POST /v1/registrations?productId=ip_messaging` with `{channel_type, message_types, data: {registration_id},
///   endpoint_platform, version}` (and optionally `credential_sid`) registers the device as the token's identity; the
///   answer's `id` is the binding's SID.
/// - `DELETE /v1/registrations/{id}` deletes that binding; `DELETE /v1/registrations` with `{binding_type, address}`
///   deletes the caller's binding of that device (`removePushRegistrations`).
/// The credential is `credential_sid`, else the token's chat grant `push_credential_sid`.
struct RegistrationsAdapter: Sendable {
    let parley: Parley
    let user: ChatPrincipal

    /// Answers a request under `/v1/registrations`; nil for any other path.
    func handle(_ request: TunnelledRequest) async throws -> TunnelledResponse? {
        let segments = request.segments
        guard segments.count >= 2, segments[0] == "v1", segments[1] == "registrations", segments.count <= 3 else { return nil }
        switch (request.method, segments.count) {
        case ("POST", 2):
            let binding = try await parley.pushBindings.register(user, try Self.registration(request.fields()))
            return TunnelledResponse(
                status: 201,
                body: .object([
                    ("id", .string(binding.sid)), ("channel_type", .string(binding.bindingType.rawValue)),
                    ("message_types", JSONValue(binding.messageTypes)), ("credential_sid", .string(binding.credentialSid)),
                ]))
        case ("DELETE", 3):
            try await parley.pushBindings.unregister(user, sid: segments[2])
            return .ok(.object([]))
        case ("DELETE", 2):
            let fields = try request.fields()
            guard let type = try fields.string("binding_type").flatMap(PushBinding.BindingType.init(rawValue:)) else {
                throw ParleyError.invalidParameter(name: "binding_type", reason: "must be apn, fcm or gcm")
            }
            guard let address = try fields.string("address"), !address.isEmpty else {
                throw ParleyError.invalidParameter(name: "address", reason: "is required")
            }
            try await parley.pushBindings.unregister(user, bindingType: type, address: address)
            return .ok(.object([]))
        default:
            return nil
        }
    }

    /// Reads a registration body.
    static func registration(_ fields: [String: Any]) throws -> PushRegistration {
        guard let type = try fields.string("channel_type").flatMap(PushBinding.BindingType.init(rawValue:)) else {
            throw ParleyError.invalidParameter(name: "channel_type", reason: "must be apn, fcm or gcm")
        }
        guard let data = fields["data"] as? [String: Any], let address = try data.string("registration_id") else {
            throw ParleyError.invalidParameter(name: "data.registration_id", reason: "is required")
        }
        var messageTypes: [String] = []
        if let list = fields["message_types"] {
            guard let strings = list as? [String] else {
                throw ParleyError.invalidParameter(name: "message_types", reason: "must be a list of strings")
            }
            messageTypes = strings
        }
        return PushRegistration(
            bindingType: type, address: address, credentialSid: try fields.string("credential_sid"), messageTypes: messageTypes,
            endpoint: try fields.string("endpoint"))
    }
}
