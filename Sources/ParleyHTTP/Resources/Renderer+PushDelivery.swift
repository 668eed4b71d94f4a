import ParleyCore

extension Renderer {
    /// A row of the push outbox, as `/v1/Push/Failures` lists it (Parley's own resource). The device address is shown
    /// shortened (its first and last four characters): it is a bearer credential for the device.
    func pushDelivery(_ delivery: PushDelivery) -> JSONValue {
        .object([
            ("account_sid", .string(delivery.accountSid)),
            ("chat_service_sid", .string(delivery.serviceSid)),
            ("conversation_sid", JSONValue(delivery.conversationSid)),
            ("event_type", .string(delivery.eventType)),
            ("binding_sid", .string(delivery.bindingSid)),
            ("binding_type", .string(delivery.bindingType)),
            ("credential_sid", .string(delivery.credentialSid)),
            ("identity", .string(delivery.identity)),
            ("address", .string(delivery.maskedAddress)),
            ("status", .string(delivery.status.rawValue)),
            ("attempts", .int(Int64(delivery.attempts))),
            ("last_status_code", JSONValue(delivery.lastStatusCode.map { Int64($0) })),
            ("last_error", JSONValue(delivery.lastError)),
            ("date_created", JSONValue(delivery.dateCreated)),
            ("date_updated", JSONValue(delivery.dateUpdated)),
        ])
    }
}
