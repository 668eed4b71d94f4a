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

    /// - Parameter now: the clock; tests pass a fixed one.
    public init(store: Store, now: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.accounts = AccountService(store: store, now: now)
        self.services = ChatServices(store: store, now: now)
        self.roles = RoleService(store: store, now: now)
        self.users = UserService(store: store, now: now)
        self.conversations = ConversationService(store: store, now: now)
        self.participants = ParticipantService(store: store, now: now)
        self.messages = MessageService(store: store, now: now)
    }
}

/// Which Service a request addresses: the account's default (`/v1/Conversations/...`) or an
/// explicit one (`/v1/Services/{ChatServiceSid}/...`).
public enum ServiceScope: Sendable, Equatable {
    case defaultService
    case service(String)
}
