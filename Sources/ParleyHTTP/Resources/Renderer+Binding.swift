import ParleyCore

extension Renderer {
    /// `conversations.v1.service.service_binding`; on the client API the `url` is the caller's `/client/v1/PushBindings/{sid}`.
    func binding(_ binding: PushBinding) -> JSONValue {
        .object([
            ("sid", .string(binding.sid)),
            ("account_sid", .string(binding.accountSid)),
            ("chat_service_sid", .string(binding.serviceSid)),
            ("credential_sid", .string(binding.credentialSid)),
            ("date_created", JSONValue(binding.dateCreated)),
            ("date_updated", JSONValue(binding.dateUpdated)),
            ("endpoint", .string(binding.endpoint)),
            ("identity", .string(binding.identity)),
            ("binding_type", .string(binding.bindingType.rawValue)),
            ("message_types", JSONValue(binding.messageTypes)),
            ("url", .string(urls.client ? "\(urls.scopeRoot)/PushBindings/\(binding.sid)" : "\(urls.service(binding.serviceSid))/Bindings/\(binding.sid)")),
        ])
    }
}
