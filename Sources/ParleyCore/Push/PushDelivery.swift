/// One row of the push outbox (`push_deliveries`): one push to one binding, as the worker sends it and
/// `/v1/Push/Failures` lists it.
public struct PushDelivery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, delivered, failed
    }

    /// The outbox order (rowid).
    public var seq: Int64
    public var accountSid: String
    public var serviceSid: String
    public var conversationSid: String?
    /// `new_message`, `added_to_conversation` or `removed_from_conversation`.
    public var eventType: String
    public var bindingSid: String
    public var credentialSid: String
    /// `apn`, `fcm` or `gcm`: which sender the push goes through.
    public var bindingType: String
    public var identity: String
    /// The device or registration token: never rendered or logged in full.
    public var address: String
    /// The rendered `PushNotification`, as JSON.
    public var payload: String
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: WebhookTime
    public var lastStatusCode: Int?
    public var lastError: String?
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp

    /// The address shortened for logs and listings: its first and last four characters.
    public var maskedAddress: String {
        address.count <= 12 ? String(repeating: "*", count: address.count) : "\(address.prefix(4))…\(address.suffix(4))"
    }
}
