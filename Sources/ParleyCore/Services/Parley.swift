import Foundation

/// The domain, assembled: one value per area over one store. The HTTP layer and the command line
/// hold a `Parley` and call its services; nothing else reaches the store.
public struct Parley: Sendable {
    public let store: Store
    public let accounts: AccountService
    public let services: ChatServices
    public let roles: RoleService
    public let users: UserService
    public let conversations: ConversationService
    public let participants: ParticipantService
    public let messages: MessageService
    public let accessTokens: AccessTokenService
    public let memberships: MembershipService
    /// The client API: what a chat user may do on their own behalf.
    public let client: ClientService
    /// Live fan-out of committed events to connected chat clients.
    public let hub: EventHub
    public let eventLog: EventLogService
    public let typing: TypingService
    public let media: MediaService
    /// Webhook configuration, conversation webhooks and the outbox the delivery worker (`WebhookWorker`) sends from.
    public let webhooks: WebhookService
    /// Answers remembered for retried requests (`Idempotency-Key`).
    public let idempotency: IdempotencyService
    /// External channels: inbound messages, status callbacks, delivery receipts; the timers that close conversations.
    public let channels: ChannelService
    public let addressConfigurations: AddressConfigurationService
    public let timers: ConversationTimerService
    /// How Parley calls URLs outsiders choose (inbound media, webhooks): the outbound address policy and its client.
    public let outbound: OutboundHTTP
    /// Push credentials (`/v1/Credentials`); the push worker opens their secrets with `secret(credentialSid:)`.
    public let pushCredentials: PushCredentialService
    /// A Service's push notification settings (`/v1/Services/{IS}/Configuration/Notifications`).
    public let pushSettings: PushSettingsService
    /// Device bindings for push notifications (admin API and chat clients' registrations).
    public let pushBindings: PushBindingService
    /// Rung after a commit that wrote push outbox rows (`push_deliveries`); the push worker waits on it.
    public let pushSignal: PushSignal
    /// The push outbox's rows, for `/v1/Push/Failures` (the `PushWorker` sends them).
    public let pushDeliveries: PushDeliveryService

    /// - Parameters:
    ///   - now: the clock; tests pass a fixed one.
    ///   - hub: where committed events go live.
    ///   - typingTimeout: how long a typing indicator lasts without a new `typing`.
    ///   - mediaDirectory: where media files live; by default a `-media` folder beside the database file.
    ///   - mediaLimits: sizes, counts and content types media may have.
    ///   - webhookSettings: webhook timeout and retry schedule.
    ///   - outbound: which addresses inbound media and webhooks may be fetched from and sent to (public ones by default).
    ///   - pushSecrets: seals push credentials' secrets; by default with the key file `<database file>.secrets-key`.
    public init(
        store: Store, hub: EventHub = EventHub(), typingTimeout: Duration = .seconds(5), mediaDirectory: URL? = nil,
        mediaLimits: MediaLimits = MediaLimits(), webhookSettings: WebhookSettings = WebhookSettings(), outbound: OutboundHTTP = OutboundHTTP(),
        pushSecrets: PushSecretBox? = nil, now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        self.hub = hub
        self.outbound = outbound
        self.webhooks = WebhookService(store: store, settings: webhookSettings, outbound: outbound, now: now)
        self.pushSignal = PushSignal()
        self.pushDeliveries = PushDeliveryService(store: store)
        self.pushBindings = PushBindingService(store: store, now: now)
        self.pushCredentials = PushCredentialService(store: store, box: pushSecrets ?? PushSecretBox.beside(databasePath: store.path), now: now)
        self.pushSettings = PushSettingsService(store: store, now: now)
        let events = EventRecorder(hub: store.isShared ? nil : hub, webhooks: webhooks.recorder, push: PushRecorder(signal: pushSignal))
        self.eventLog = EventLogService(store: store, now: now)
        self.typing = TypingService(store: store, hub: hub, timeout: typingTimeout)
        self.accounts = AccountService(store: store, now: now)
        self.services = ChatServices(store: store, now: now)
        self.roles = RoleService(store: store, now: now)
        self.users = UserService(store: store, events: events, now: now)
        self.conversations = ConversationService(store: store, events: events, now: now)
        self.participants = ParticipantService(store: store, events: events, now: now)
        let files = MediaFiles(root: mediaDirectory ?? MediaFiles.defaultRoot(besideDatabase: store.path))
        self.media = MediaService(store: store, files: files, limits: mediaLimits, now: now)
        self.messages = MessageService(store: store, events: events, media: media, now: now)
        self.accessTokens = AccessTokenService(store: store, now: now)
        self.memberships = MembershipService(store: store, events: events, now: now)
        self.client = ClientService(store: store, events: events, media: media, now: now)
        self.idempotency = IdempotencyService(store: store, now: now)
        self.channels = ChannelService(store: store, events: events, media: media, outbound: outbound, now: now)
        self.addressConfigurations = AddressConfigurationService(store: store, policy: outbound.policy, now: now)
        self.timers = ConversationTimerService(store: store, events: events, now: now)
    }
}

/// Which Service a request addresses: the account's default (`/v1/Conversations/...`) or an
/// explicit one (`/v1/Services/{ChatServiceSid}/...`).
public enum ServiceScope: Sendable, Equatable {
    case defaultService
    case service(String)
}
