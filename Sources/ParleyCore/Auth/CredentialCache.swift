import Synchronization

/// Recently verified HTTP Basic credentials, so a client sending the same ones on every request does not cost a
/// database read each time (it was a tenth of the server's CPU on a simple authenticated read).
///
/// Only successful checks are kept, for `lifetime`: a new API key works at once, and a credential removed from
/// the database by hand stops working within `lifetime`. Parley itself never removes or changes credentials.
final class CredentialCache: Sendable {
    private struct Entry {
        var secret: String
        var principal: Principal
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let lifetime: Duration
    /// Past this many usernames the cache starts afresh: it never grows without bound.
    let capacity: Int

    init(lifetime: Duration = .seconds(10), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The principal for these credentials if they were verified recently.
    func principal(username: String, password: String) -> Principal? {
        let now = ContinuousClock.now
        guard let entry = entries.withLock({ $0[username] }), entry.expires > now, Secrets.equal(entry.secret, password) else { return nil }
        return entry.principal
    }

    /// Remembers credentials the database has just confirmed.
    func remember(username: String, password: String, principal: Principal) {
        let entry = Entry(secret: password, principal: principal, expires: .now + lifetime)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[username] = entry
        }
    }
}
