import Foundation
import GRDB
import Synchronization

/// Whether the store's writes are getting through, for readiness: the outcome of the latest write that reached the
/// storage, and the free space where the database lives. `BEGIN IMMEDIATE` still succeeds on a full disk, so a
/// readiness probe that only opens a transaction would report ready while every write fails.
public final class WriteHealth: Sendable {
    private let lastFailure = Mutex<String?>(nil)

    /// The latest write's storage failure (disk full, I/O error, read-only file, ...), nil once a write commits again.
    public var failure: String? { lastFailure.withLock { $0 } }

    func succeeded() {
        lastFailure.withLock { if $0 != nil { $0 = nil } }
    }

    func failed(_ reason: String) {
        lastFailure.withLock { $0 = reason }
    }

    /// The storage failure `error` stands for, or nil when it is about the write itself (a constraint, a domain error).
    static func storageFailure(_ error: any Error) -> String? {
        if let unavailable = error as? PostgresUnavailable { return unavailable.reason }
        if let statement = error as? PostgresStatementError { return statement.isStorageFailure ? statement.description : nil }
        if PostgresStatementError.isConnectionFailure(error) { return "PostgreSQL connection: \(error)" }
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_NOMEM:
            return error.message ?? "\(error.resultCode)"
        default:
            return nil
        }
    }

    /// Bytes free to an unprivileged writer on the file system holding `path`; nil when unknown.
    public static func freeBytes(near path: String) -> Int64? {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }
}
