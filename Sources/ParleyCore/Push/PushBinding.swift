/// One device of a chat identity registered for pushes (`/v1/Services/{IS}/Bindings`, `BS...`): its address (APNs
/// device token or FCM registration token), push type and credential. One row per (Service, type, address).
public struct PushBinding: Sendable, Equatable {
    /// `apn`, `fcm`, or the legacy `gcm` (accepted, treated as `fcm`).
    public enum BindingType: String, Sendable, CaseIterable {
        case apn, fcm, gcm
    }

    public var sid: String
    public var accountSid: String
    public var serviceSid: String
    public var credentialSid: String
    public var identity: String
    public var bindingType: BindingType
    /// The device token / registration token.
    public var address: String
    /// Twilio's `endpoint`: what the client named its device; the address when it named nothing.
    public var endpoint: String
    /// The notification kinds the device wants (`new_message`, `added_to_conversation`, `removed_from_conversation`).
    public var messageTypes: [String]
    public var dateCreated: Timestamp
    public var dateUpdated: Timestamp

    public init(
        sid: String, accountSid: String, serviceSid: String, credentialSid: String, identity: String, bindingType: BindingType, address: String,
        endpoint: String, messageTypes: [String], dateCreated: Timestamp, dateUpdated: Timestamp
    ) {
        self.sid = sid
        self.accountSid = accountSid
        self.serviceSid = serviceSid
        self.credentialSid = credentialSid
        self.identity = identity
        self.bindingType = bindingType
        self.address = address
        self.endpoint = endpoint
        self.messageTypes = messageTypes
        self.dateCreated = dateCreated
        self.dateUpdated = dateUpdated
    }
}

/// What a chat client asks for when it registers a device (client API `POST /client/v1/PushBindings`, or the SDK's
/// `POST /v1/registrations` through twilsock).
public struct PushRegistration: Sendable, Equatable {
    public var bindingType: PushBinding.BindingType
    public var address: String
    /// The credential to push with; nil for the access token's chat grant `push_credential_sid`.
    public var credentialSid: String?
    /// The kinds wanted, in Parley's short form or Twilio's (`twilio.conversations.new_message`); kinds Parley does
    /// not push (typing, consumption updates) are dropped. Empty: every kind.
    public var messageTypes: [String]
    /// Twilio's `endpoint`; nil for the address.
    public var endpoint: String?

    public init(bindingType: PushBinding.BindingType, address: String, credentialSid: String? = nil, messageTypes: [String] = [], endpoint: String? = nil) {
        self.bindingType = bindingType
        self.address = address
        self.credentialSid = credentialSid
        self.messageTypes = messageTypes
        self.endpoint = endpoint
    }

    /// The push kinds named by `messageTypes` (every kind when it names none at all), in Parley's short form.
    var kinds: [String] {
        guard !messageTypes.isEmpty else { return PushNotification.Kind.allCases.map(\.rawValue) }
        return PushNotification.Kind.allCases.filter { kind in
            messageTypes.contains { $0 == kind.rawValue || $0 == kind.twilioMessageType }
        }.map(\.rawValue)
    }
}
