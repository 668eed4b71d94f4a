import Foundation
import PostgresTestSupport
@testable import ParleyCore
import Testing

@Suite struct IdempotencyTests {
    static func request(_ key: String, fingerprint: String = "f1") -> IdempotencyService.Request {
        IdempotencyService.Request(accountSid: "AC1", key: key, method: "POST", path: "/v1/Conversations", fingerprint: fingerprint)
    }

    /// A write committed inside `marking` marks the reservation applied in the same transaction; after a
    /// restart (another boot id) an applied reservation without an answer is refused, an unapplied one runs again.
    @Test func aRestartTellsAppliedFromAbandoned() async throws {
        let database = try TemporaryDatabase()
        defer { database.cleanUp() }
        let store = try Store.open(path: database.path)
        try await SchemaMigrator().migrate(store)
        let before = IdempotencyService(store: store, bootId: "boot-1")
        #expect(try await before.reserve(Self.request("applied")) == .reserved)
        #expect(try await before.reserve(Self.request("abandoned")) == .reserved)
        try await before.marking(Self.request("applied")) {
            _ = try await store.write { tx in try tx.pruneIdempotencyKeys(before: Timestamp(secondsSince1970: 0)) }
        }
        // The same process: both still running.
        await #expect(throws: ParleyError.idempotencyKeyInProgress(key: "applied", applied: false)) {
            try await before.reserve(Self.request("applied"))
        }

        let after = IdempotencyService(store: store, bootId: "boot-2")
        await #expect(throws: ParleyError.idempotencyKeyInProgress(key: "applied", applied: true)) {
            try await after.reserve(Self.request("applied"))
        }
        #expect(try await after.reserve(Self.request("abandoned")) == .reserved)
        let answer = StoredResponse(status: 201, contentType: "application/json", body: Array("{}".utf8))
        try await after.complete(Self.request("abandoned"), response: answer)
        #expect(try await after.reserve(Self.request("abandoned")) == .replay(answer))
        await #expect(throws: ParleyError.idempotencyKeyReused(key: "abandoned", method: "POST", path: "/v1/Conversations")) {
            try await after.reserve(Self.request("abandoned", fingerprint: "f2"))
        }
    }

    /// Keys live for the window, then are pruned, and an expired key can be used afresh.
    @Test func keysExpireAfterTheWindow() async throws {
        let store = try await TestEngine.migratedStore(sqlitePath: nil)
        let clock = TestClock(Timestamp(secondsSince1970: 1_000_000))
        let service = IdempotencyService(store: store, window: 3600, now: { clock.now })
        #expect(try await service.reserve(Self.request("k")) == .reserved)
        try await service.complete(Self.request("k"), response: StoredResponse(status: 201, contentType: nil, body: []))
        clock.advance(by: 3599)
        #expect(try await service.prune() == 0)
        if case .replay = try await service.reserve(Self.request("k", fingerprint: "f1")) {} else { Issue.record("expected a replay") }
        clock.advance(by: 2)
        #expect(try await service.reserve(Self.request("k", fingerprint: "other")) == .reserved)
        clock.advance(by: 3601)
        #expect(try await service.prune() == 1)
    }
}

