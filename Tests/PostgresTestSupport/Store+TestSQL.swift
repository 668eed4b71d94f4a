@testable import ParleyCore

/// Raw SQL for tests that look at the database itself (how many rows a table holds, a sealed column, a row aged by
/// hand), through the store's own transactions, so one text runs on SQLite and PostgreSQL alike: it must be valid in
/// both dialects. `arguments` bind to the `?` placeholders in order.
extension Store {
    /// The first column of the first row as an integer (a `count(*)`); 0 when there is no row.
    public func count(_ sql: String, _ arguments: String...) async throws -> Int {
        let bound = Self.bound(arguments)
        return try await read { tx in try tx.value(Int.self, tx.uncachedStatement(sql), arguments: bound) ?? 0 }
    }

    /// The first column of every row, as text (NULLs skipped).
    public func strings(_ sql: String, _ arguments: String...) async throws -> [String] {
        let bound = Self.bound(arguments)
        return try await read { tx in try tx.values(String.self, tx.uncachedStatement(sql), arguments: bound) }
    }

    /// Runs one statement in its own write transaction.
    public func execute(_ sql: String, _ arguments: String...) async throws {
        let bound = Self.bound(arguments)
        try await write { tx in try tx.execute(tx.uncachedStatement(sql), bound) }
    }

    private static func bound(_ arguments: [String]) -> SQLArguments {
        var bound: SQLArguments = []
        for argument in arguments { bound += [argument] }
        return bound
    }
}
