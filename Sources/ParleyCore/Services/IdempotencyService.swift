import Crypto
import Foundation

/// Idempotent requests: a retried request with the same key gets the first answer instead of running twice.
///
/// The HTTP layer reserves the key before running the request (so concurrent duplicates never both run),
/// runs it inside `marking(_:_:)` (so the request's own transaction marks the reservation applied), then
/// stores the answer, or releases the reservation when the request failed. Keys are kept for `window`.
public struct IdempotencyService: Sendable {
    let store: Store
    let now: @Sendable () -> Timestamp
    /// How long a key is remembered, in seconds (24 hours).
    public let window: Int64
    /// This process: a reservation from another boot whose request never committed may be taken over.
    public let bootId: String

    public init(store: Store, window: Int64 = 24 * 3600, bootId: String = UUID().uuidString, now: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.window = window
        self.bootId = bootId
        self.now = now
    }

    /// One request, as far as idempotency cares.
    public struct Request: Sendable {
        public var accountSid: String
        public var key: String
        public var method: String
        public var path: String
        public var fingerprint: String

        public init(accountSid: String, key: String, method: String, path: String, fingerprint: String) {
            self.accountSid = accountSid
            self.key = key
            self.method = method
            self.path = path
            self.fingerprint = fingerprint
        }
    }

    /// What `reserve` decided.
    public enum Reservation: Sendable, Equatable {
        /// Run the request, then `complete` or `release`.
        case reserved
        /// The request was answered before: send this answer again.
        case replay(StoredResponse)
    }

    /// The longest key accepted.
    public static let maximumKeyLength = 255

    /// Reserves `request.key`, or finds its earlier answer. Throws `idempotencyKeyReused` when the key
    /// belongs to a different request, `idempotencyKeyInProgress` while its first request still runs (or
    /// ran in a process that crashed after committing it, before storing the answer).
    public func reserve(_ request: Request) async throws -> Reservation {
        guard !request.key.isEmpty, request.key.utf8.count <= Self.maximumKeyLength else {
            throw ParleyError.invalidParameter(name: "Idempotency-Key", reason: "must be 1 to \(Self.maximumKeyLength) characters")
        }
        try Validate.noNUL(request.key, name: "Idempotency-Key")
        let now = self.now()
        let cutoff = now.adding(seconds: -window)
        let bootId = self.bootId
        return try await store.write { tx in
            let fresh = IdempotencyRecord(
                accountSid: request.accountSid, key: request.key, method: request.method, path: request.path,
                fingerprint: request.fingerprint, bootId: bootId, applied: false, response: nil, createdAt: now)
            guard let existing = try tx.idempotencyRecord(accountSid: request.accountSid, key: request.key), existing.createdAt >= cutoff else {
                try tx.reserveIdempotencyKey(fresh)
                return .reserved
            }
            guard existing.fingerprint == request.fingerprint else {
                throw ParleyError.idempotencyKeyReused(key: request.key, method: existing.method, path: existing.path)
            }
            if let response = existing.response { return .replay(response) }
            if existing.bootId == bootId { throw ParleyError.idempotencyKeyInProgress(key: request.key, applied: false) }
            // Reserved by a process that stopped before answering.
            if existing.applied { throw ParleyError.idempotencyKeyInProgress(key: request.key, applied: true) }
            try tx.reserveIdempotencyKey(fresh)
            return .reserved
        }
    }

    /// Runs `operation` so that every store transaction it commits also marks the reservation applied.
    public func marking<T>(_ request: Request, _ operation: () async throws -> T) async rethrows -> T {
        try await IdempotencyMark.$current.withValue(IdempotencyMark(accountSid: request.accountSid, key: request.key)) {
            try await operation()
        }
    }

    /// Stores the answer to a reserved request, for its retries.
    public func complete(_ request: Request, response: StoredResponse) async throws {
        let bootId = self.bootId
        try await store.write { tx in
            try tx.completeIdempotencyKey(accountSid: request.accountSid, key: request.key, bootId: bootId, response: response)
        }
    }

    /// Drops the reservation of a request that failed, so a retry runs it again.
    public func release(_ request: Request) async throws {
        let bootId = self.bootId
        try await store.write { tx in try tx.releaseIdempotencyKey(accountSid: request.accountSid, key: request.key, bootId: bootId) }
    }

    /// Forgets keys older than the window; returns how many.
    @discardableResult
    public func prune() async throws -> Int {
        let cutoff = now().adding(seconds: -window)
        return try await store.write { tx in try tx.pruneIdempotencyKeys(before: cutoff) }
    }

    /// The fingerprint of a request: what must match for a retry to count as the same request.
    public static func fingerprint(method: String, path: String, query: String, contentType: String?, body: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        for part in [method, path, query, contentType ?? ""] {
            hasher.update(data: Array(part.utf8))
            hasher.update(data: [0])
        }
        hasher.update(data: Array(body))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// The idempotency key of the request the current task serves; `Store.write` marks it applied in the
/// same transaction as the request's change, so a crash never leaves "committed" and "not applied".
struct IdempotencyMark: Sendable {
    var accountSid: String
    var key: String

    @TaskLocal static var current: IdempotencyMark?
}
