import Foundation
import GRDB

/// A stored idempotency key: the request it belongs to and, once answered, the answer.
public struct IdempotencyRecord: Sendable, Equatable {
    public var accountSid: String
    public var key: String
    public var method: String
    public var path: String
    public var fingerprint: String
    public var bootId: String
    /// True once a transaction of the request committed.
    public var applied: Bool
    public var response: StoredResponse?
    public var createdAt: Timestamp
}

/// The first answer to an idempotent request, replayed to its retries.
public struct StoredResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]

    public init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

extension StoreTransaction {
    /// The key's record. In a write, transactions reading the same key take turns (`lockIdempotencyKey`), so a
    /// reservation decided on what this returns is not raced by another node's.
    public func idempotencyRecord(accountSid: String, key: String) throws -> IdempotencyRecord? {
        try lockIdempotencyKey(accountSid: accountSid, key: key)
        return try fetchOne(
            statement("SELECT * FROM idempotency_keys WHERE account_sid = ? AND key = ?"), arguments: [accountSid, key], IdempotencyRecord.init(row:))
    }

    /// Writes a reservation (no answer yet), replacing any row with the same key.
    public func reserveIdempotencyKey(_ record: IdempotencyRecord) throws {
        try execute(
            """
            INSERT INTO idempotency_keys (account_sid, key, method, path, fingerprint, boot_id, applied, created_at)
            VALUES (?, ?, ?, ?, ?, ?, 0, ?)
            ON CONFLICT (account_sid, key) DO UPDATE SET
                method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint, boot_id = excluded.boot_id,
                applied = 0, status = NULL, content_type = NULL, body = NULL, created_at = excluded.created_at
            """, [record.accountSid, record.key, record.method, record.path, record.fingerprint, record.bootId, record.createdAt])
    }

    /// Marks the reservation as applied: called inside the transaction that commits the request's change.
    public func markIdempotencyKeyApplied(accountSid: String, key: String) throws {
        try execute("UPDATE idempotency_keys SET applied = 1 WHERE account_sid = ? AND key = ? AND applied = 0", [accountSid, key])
    }

    /// Stores the answer of a reservation this process holds.
    public func completeIdempotencyKey(accountSid: String, key: String, bootId: String, response: StoredResponse) throws {
        try execute(
            """
            UPDATE idempotency_keys SET status = ?, content_type = ?, body = ?
            WHERE account_sid = ? AND key = ? AND boot_id = ? AND status IS NULL
            """, [response.status, response.contentType, Data(response.body), accountSid, key, bootId])
    }

    /// Drops a reservation this process holds that has no answer (the request failed; a retry may run it again).
    public func releaseIdempotencyKey(accountSid: String, key: String, bootId: String) throws {
        try execute("DELETE FROM idempotency_keys WHERE account_sid = ? AND key = ? AND boot_id = ? AND status IS NULL", [accountSid, key, bootId])
    }

    /// Deletes keys created before `cutoff`; returns how many (index `idempotency_keys_by_date`).
    public func pruneIdempotencyKeys(before cutoff: Timestamp) throws -> Int {
        guard try mayRun(.pruneIdempotencyKeys) else { return 0 }
        try execute("DELETE FROM idempotency_keys WHERE created_at < ?", [cutoff])
        return changesCount
    }
}

extension IdempotencyRecord {
    init(row: Row) {
        let status: Int? = row["status"]
        let body: Data? = row["body"]
        self.init(
            accountSid: row["account_sid"], key: row["key"], method: row["method"], path: row["path"], fingerprint: row["fingerprint"],
            bootId: row["boot_id"], applied: row["applied"],
            response: status.map { StoredResponse(status: $0, contentType: row["content_type"], body: Array(body ?? Data())) },
            createdAt: row["created_at"])
    }
}
