/// Accounts, their credentials and account-wide configuration.
public struct AccountService: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp
    let verified = CredentialCache()

    /// What `bootstrap` found or made.
    public struct Bootstrap: Sendable {
        public var account: Account
        /// True when this call created the account (its token is shown once, then).
        public var created: Bool
    }

    /// Makes sure the node has an account with a default Service. The first call creates it, with
    /// `sid` and `authToken` when given (else generated); later calls return the existing account.
    public func bootstrap(sid: String? = nil, authToken: String? = nil) async throws -> Bootstrap {
        if let sid { try Validate.sid(sid, .account, name: "PARLEY_ACCOUNT_SID") }
        try Validate.notEmpty(authToken, name: "PARLEY_AUTH_TOKEN")
        let now = self.now()
        return try await store.write { tx in
            if let existing = try tx.accounts().first { return Bootstrap(account: existing, created: false) }
            var account = Account(
                sid: sid ?? SID.make(.account, now: now), friendlyName: "Parley", authToken: authToken ?? SID.makeSecret(),
                configuration: AccountConfiguration(), dateCreated: now, dateUpdated: now)
            try tx.insert(account)
            let service = try ChatServices.insertService(friendlyName: "Default Conversations Service", accountSid: account.sid, now: now, in: tx)
            account.configuration.defaultChatServiceSid = service.sid
            try tx.update(account)
            return Bootstrap(account: account, created: true)
        }
    }

    /// The node's account (the first one created), if `bootstrap` has run.
    public func primaryAccount() async throws -> Account? {
        try await store.read { tx in try tx.accounts().first }
    }

    /// The principal for HTTP Basic credentials: AccountSid + AuthToken, or ApiKeySid + secret.
    public func authenticate(username: String, password: String) async throws -> Principal {
        if let principal = verified.principal(username: username, password: password) { return principal }
        let principal = try await store.read { tx -> Principal? in
            if SID.isValid(username, .account), let account = try tx.account(sid: username),
                Secrets.equal(account.authToken, password)
            {
                return Principal(accountSid: account.sid, credentialSid: account.sid)
            }
            if SID.isValid(username, .apiKey), let key = try tx.apiKey(sid: username), Secrets.equal(key.secret, password) {
                return Principal(accountSid: key.accountSid, credentialSid: key.sid)
            }
            return nil
        }
        guard let principal else { throw ParleyError.unauthenticated }
        verified.remember(username: username, password: password, principal: principal)
        return principal
    }

    /// Creates an API key for the account; its secret is returned only here.
    public func createAPIKey(accountSid: String, friendlyName: String) async throws -> APIKey {
        let now = self.now()
        let key = APIKey(sid: SID.make(.apiKey, now: now), accountSid: accountSid, friendlyName: friendlyName, secret: SID.makeSecret(), dateCreated: now)
        try await store.write { tx in
            guard try tx.account(sid: accountSid) != nil else { throw ParleyError.notFound(resource: "/Accounts/\(accountSid)") }
            try tx.insert(key)
        }
        return key
    }

    /// The account-wide configuration (`/v1/Configuration`).
    public func configuration(_ principal: Principal) async throws -> AccountConfiguration {
        try await store.read { tx in try Self.requireAccount(principal, tx).configuration }
    }

    /// Changes to the account-wide configuration; nil leaves a field as it is.
    public struct ConfigurationChanges: Sendable {
        public var defaultChatServiceSid: String?
        public var defaultMessagingServiceSid: String?
        public var defaultInactiveTimer: String?
        public var defaultClosedTimer: String?
        public init() {}
    }

    public func updateConfiguration(_ principal: Principal, _ changes: ConfigurationChanges) async throws -> AccountConfiguration {
        try Validate.sid(changes.defaultChatServiceSid, .service, name: "DefaultChatServiceSid")
        try Validate.sid(changes.defaultMessagingServiceSid, .messagingService, name: "DefaultMessagingServiceSid")
        _ = try Validate.duration(changes.defaultInactiveTimer, minimum: Limits.minimumInactiveTimerSeconds, name: "DefaultInactiveTimer")
        _ = try Validate.duration(changes.defaultClosedTimer, minimum: Limits.minimumClosedTimerSeconds, name: "DefaultClosedTimer")
        let now = self.now()
        return try await store.write { tx in
            var account = try Self.requireAccount(principal, tx)
            if let sid = changes.defaultChatServiceSid {
                guard try tx.service(sid: sid, accountSid: account.sid) != nil else {
                    throw ParleyError.invalidParameter(name: "DefaultChatServiceSid", reason: "no Conversation Service \(sid) in this account")
                }
                account.configuration.defaultChatServiceSid = sid
            }
            if let sid = changes.defaultMessagingServiceSid { account.configuration.defaultMessagingServiceSid = sid }
            if let timer = changes.defaultInactiveTimer { account.configuration.defaultInactiveTimer = timer }
            if let timer = changes.defaultClosedTimer { account.configuration.defaultClosedTimer = timer }
            account.dateUpdated = now
            try tx.update(account)
            return account.configuration
        }
    }

    static func requireAccount(_ principal: Principal, _ tx: StoreTransaction) throws -> Account {
        guard let account = try tx.account(sid: principal.accountSid) else { throw ParleyError.unauthenticated }
        return account
    }
}

/// Comparison of secrets in time independent of where they differ.
enum Secrets {
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}
