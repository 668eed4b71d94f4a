import Foundation
import GRDB

/// What an operator needs from the store: readiness, a clean close, online backup and consistency checks.
extension Store {
    /// Throws unless a write transaction can start now (the file is writable and its lock obtainable).
    public func checkWritable() async throws {
        if case .postgres(let engine) = backend {
            do {
                _ = try await engine.transaction(readOnly: false) { statements in try statements.run("SELECT 1").count }
            } catch {
                throw ParleyError.storageUnavailable(reason: WriteHealth.storageFailure(error) ?? "\(error)")
            }
            return
        }
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "ROLLBACK")
        }
    }

    /// Checkpoints the WAL into the database file and truncates it, then closes every connection.
    /// The last step of a graceful shutdown; the store is unusable afterwards.
    public func checkpointAndClose() async throws {
        if case .postgres(let engine) = backend { return await engine.close() }
        try await writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try writer.close()
    }

    /// Copies a consistent snapshot of the database to `path` with SQLite's online backup, while the store
    /// keeps serving reads and writes (the copy is taken in one read transaction). The copy is written to
    /// `path.partial` and renamed into place when complete, with owner-only permissions.
    public func backup(to path: String) async throws {
        let partial = path + ".partial"
        for stale in [partial, partial + "-wal", partial + "-shm", partial + "-journal"] { try? FileManager.default.removeItem(atPath: stale) }
        let source = try writer
        try await Self.offCooperativePool {
            try OwnerOnly.createFile(atPath: partial)
            let destination = try DatabaseQueue(path: partial)
            try source.backup(to: destination)
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }

    /// The problems `PRAGMA integrity_check` and `PRAGMA foreign_key_check` find; empty when the file is sound.
    /// On PostgreSQL, which enforces foreign keys always and checks its own pages, there is nothing to add: empty.
    public func consistencyProblems() async throws -> [String] {
        if case .postgres = backend { return [] }
        return try await writer.read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                let table: String = row[0]
                let rowid: Int64? = row[1]
                let parent: String = row[2]
                problems.append("foreign key: \(table) row \(rowid.map(String.init) ?? "?") refers to a missing \(parent) row")
            }
            return problems
        }
    }

    /// Row counts of every table (for checks and the crash test), by name.
    public func tableCounts() async throws -> [String: Int] {
        if case .postgres(let engine) = backend {
            return try await engine.transaction(readOnly: true) { statements in
                let tables = try statements.firstColumn(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'", [])
                    .compactMap(String.fromDatabaseValue)
                var counts: [String: Int] = [:]
                for table in tables {
                    counts[table] = try statements.firstColumn("SELECT count(*) FROM \(table.quotedDatabaseIdentifier)", []).first.flatMap(Int.fromDatabaseValue) ?? 0
                }
                return counts
            }
        }
        return try await writer.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            var counts: [String: Int] = [:]
            for table in tables { counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0 }
            return counts
        }
    }

    /// Runs blocking SQLite work (a backup) on a thread of its own, not on Swift's cooperative pool.
    private static func offCooperativePool(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// Files and folders that only their owner may read: the database, its backups, the media folder.
public enum OwnerOnly {
    /// Creates an empty file with mode 0600 if none exists (SQLite keeps the mode of an existing file).
    public static func createFile(atPath path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// Creates a folder (and its parents) with mode 0700 if none exists.
    public static func createDirectory(at url: URL) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}

extension Store {
    /// Why `restore` refused.
    public struct RestoreError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Replaces the database at `path` with the backup at `backup`, after checking the backup's integrity.
    /// Refuses when `path` exists (unless `overwrite`) and always when another process has it open (a
    /// running server): SQLite only leaves WAL mode when it holds the only connection, which is the test.
    public static func restore(from backup: String, to path: String, overwrite: Bool) throws {
        guard FileManager.default.fileExists(atPath: backup) else { throw RestoreError(description: "\(backup): no such file") }
        var readOnly = Configuration()
        readOnly.readonly = true
        let source = try DatabaseQueue(path: backup, configuration: readOnly)
        defer { try? source.close() }
        let problems = try source.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" } }
        guard problems.isEmpty else { throw RestoreError(description: "\(backup) fails its integrity check: \(problems.joined(separator: "; "))") }
        if FileManager.default.fileExists(atPath: path) {
            guard overwrite else { throw RestoreError(description: "\(path) exists; pass --force to replace it") }
            var exclusive = Configuration()
            exclusive.busyMode = .immediateError
            let target = try DatabaseQueue(path: path, configuration: exclusive)
            let mode = try? target.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
            try target.close()
            guard mode == "delete" else { throw RestoreError(description: "\(path) is in use (is the server running?); stop it first") }
        }
        try OwnerOnly.createFile(atPath: path)
        let destination = try DatabaseQueue(path: path)
        try source.backup(to: destination)
        try destination.close()
    }
}

extension Store {
    /// Sets what is told how long each write waited for its transaction (the group-commit queue), for metrics.
    public func observeWriteWait(_ observer: @escaping @Sendable (Duration) -> Void) {
        if case .sqlite(_, let groupCommit) = backend { groupCommit.observeWait(observer) }
    }
}
