import GRDB
import Testing
@testable import ParleyCore

@Suite struct CredentialCacheTests {
    private let principal = Principal(accountSid: "AC" + String(repeating: "1", count: 32), credentialSid: "SK" + String(repeating: "2", count: 32))

    @Test func onlyTheSameSecretWithinTheLifetimeIsRecognised() async throws {
        let cache = CredentialCache(lifetime: .milliseconds(50))
        #expect(cache.principal(username: "SK1", password: "secret") == nil)
        cache.remember(username: "SK1", password: "secret", principal: principal)
        #expect(cache.principal(username: "SK1", password: "secret") == principal)
        #expect(cache.principal(username: "SK1", password: "Secret") == nil)
        #expect(cache.principal(username: "SK2", password: "secret") == nil)
        try await Task.sleep(for: .milliseconds(80))
        #expect(cache.principal(username: "SK1", password: "secret") == nil)
    }

    @Test func itNeverHoldsMoreThanItsCapacity() {
        let cache = CredentialCache(capacity: 2)
        cache.remember(username: "a", password: "1", principal: principal)
        cache.remember(username: "b", password: "2", principal: principal)
        cache.remember(username: "c", password: "3", principal: principal)
        #expect(cache.principal(username: "a", password: "1") == nil)
        #expect(cache.principal(username: "c", password: "3") == principal)
    }

    @Test func aNewKeyWorksAtOnceAndAWrongSecretAlwaysFails() async throws {
        let (parley, _) = try await makeParley()
        let account = try #require(try await parley.accounts.primaryAccount())
        let key = try await parley.accounts.createAPIKey(accountSid: account.sid, friendlyName: "k")
        #expect(try await parley.accounts.authenticate(username: key.sid, password: key.secret).credentialSid == key.sid)
        await #expect(throws: ParleyError.unauthenticated) { try await parley.accounts.authenticate(username: key.sid, password: "wrong") }
        // Removed from the database by hand: still accepted while remembered (the documented window), then refused.
        try await parley.store.write { tx in try tx.execute("DELETE FROM api_keys WHERE sid = ?", [key.sid]) }
        #expect(try await parley.accounts.authenticate(username: key.sid, password: key.secret).credentialSid == key.sid)
        let fresh = AccountService(store: parley.store, now: { .now })
        await #expect(throws: ParleyError.unauthenticated) { try await fresh.authenticate(username: key.sid, password: key.secret) }
    }
}
