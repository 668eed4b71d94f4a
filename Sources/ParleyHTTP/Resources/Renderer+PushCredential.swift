import ParleyCore

extension Renderer {
    /// A push credential: its public fields only. `sandbox` is a string ("True"/"False") as Twilio returns it.
    func pushCredential(_ credential: PushCredential) -> JSONValue {
        .object([
            ("sid", .string(credential.sid)),
            ("account_sid", .string(credential.accountSid)),
            ("friendly_name", JSONValue(credential.friendlyName)),
            ("type", .string(credential.type.rawValue)),
            ("sandbox", .string(credential.sandbox ? "True" : "False")),
            ("date_created", JSONValue(credential.dateCreated)),
            ("date_updated", JSONValue(credential.dateUpdated)),
            ("url", .string("\(urls.base)/v1/Credentials/\(credential.sid)")),
        ])
    }
}
