import GRDB

/// One open transaction on the store. Its methods (in `StoreTransaction+*.swift`) read and write
/// domain values; it exists only inside `Store.read` and `Store.write`.
///
/// The methods speak SQL through the few primitives below, which run on either engine: SQLite (GRDB, the
/// default) or PostgreSQL (`PostgresStatements`). Rows arrive as GRDB `Row`s on both, so the decoders are shared.
public struct StoreTransaction {
    /// The open transaction, on its engine.
    enum Connection {
        case sqlite(Database)
        case postgres(PostgresStatements)
    }

    let connection: Connection
    /// What to do once this unit of writing has committed; dropped if it rolls back.
    let afterCommitActions = ActionList()
    /// The store's outbox bell, to ring after commit (nil on reads).
    var outboxBell: WakeSignal? = nil

    init(_ connection: Connection, outboxBell: WakeSignal? = nil) {
        self.connection = connection
        self.outboxBell = outboxBell
    }

    /// Which SQL dialect this transaction speaks, for the few statements the engines spell differently.
    var dialect: SQLDialect {
        switch connection {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// The prepared form of `sql`, made once per connection and reused: preparing was a fifth of the server's time
    /// under inbound load (a table with triggers compiles them on every prepare). `sql` must be constant text;
    /// SQL built with values in it would grow the cache without bound (use `uncachedStatement`).
    func statement(_ sql: String) throws -> SQLStatement {
        switch connection {
        case .sqlite(let db): SQLStatement(sql: sql, sqlite: try db.cachedStatement(sql: sql))
        case .postgres: SQLStatement(sql: sql, sqlite: nil)
        }
    }

    /// `sql` prepared for one use: text with a variable part (an `IN` list of some length).
    func uncachedStatement(_ sql: String) throws -> SQLStatement {
        switch connection {
        case .sqlite(let db): SQLStatement(sql: sql, sqlite: try db.makeStatement(sql: sql))
        case .postgres: SQLStatement(sql: sql, sqlite: nil)
        }
    }

    /// Runs one statement of constant text through `statement(_:)`.
    func execute(_ sql: String, _ arguments: SQLArguments = []) throws {
        try execute(statement(sql), arguments)
    }

    /// Runs `statement`, discarding any rows.
    func execute(_ statement: SQLStatement, _ arguments: SQLArguments = []) throws {
        switch connection {
        case .sqlite: try statement.sqlite!.execute(arguments: arguments.statementArguments)
        case .postgres(let statements): _ = try statements.run(statement.sql, arguments)
        }
    }

    /// How many rows the latest INSERT, UPDATE or DELETE changed.
    var changesCount: Int {
        switch connection {
        case .sqlite(let db): db.changesCount
        case .postgres(let statements): statements.changesCount
        }
    }

    /// Every row of `statement`, each decoded as it is stepped. `Row.fetchAll` copies each row first, and a copied
    /// row finds a column by lowercasing every column name on each access (~5% of the writer's time under inbound
    /// load); the statement's own row looks names up in a table.
    func fetchAll<T>(_ statement: SQLStatement, arguments: SQLArguments = [], _ decode: (Row) throws -> T) throws -> [T] {
        switch connection {
        case .sqlite:
            let cursor = try Row.fetchCursor(statement.sqlite!, arguments: arguments.statementArguments)
            return try withExtendedLifetime(cursor) {
                var results: [T] = []
                while let row = try cursor.next() { results.append(try decode(row)) }
                return results
            }
        case .postgres(let statements):
            return try statements.run(statement.sql, arguments).map(decode)
        }
    }

    /// The first row of `statement`, decoded (see `fetchAll`).
    func fetchOne<T>(_ statement: SQLStatement, arguments: SQLArguments = [], _ decode: (Row) throws -> T) throws -> T? {
        switch connection {
        case .sqlite:
            // The row reads from the statement: the cursor must outlive the decoding.
            let cursor = try Row.fetchCursor(statement.sqlite!, arguments: arguments.statementArguments)
            return try withExtendedLifetime(cursor) { try cursor.next().map(decode) }
        case .postgres(let statements):
            return try statements.run(statement.sql, arguments).first.map(decode)
        }
    }

    /// The first column of the first row, nil when there is no row or the value is NULL.
    func value<T: DatabaseValueConvertible>(_ type: T.Type, _ statement: SQLStatement, arguments: SQLArguments = []) throws -> T? {
        try firstColumn(statement, arguments).first.flatMap(T.fromDatabaseValue)
    }

    /// The first column of every row (NULLs skipped).
    func values<T: DatabaseValueConvertible>(_ type: T.Type, _ statement: SQLStatement, arguments: SQLArguments = []) throws -> [T] {
        try firstColumn(statement, arguments).compactMap(T.fromDatabaseValue)
    }

    private func firstColumn(_ statement: SQLStatement, _ arguments: SQLArguments) throws -> [DatabaseValue] {
        switch connection {
        case .sqlite: try DatabaseValue.fetchAll(statement.sqlite!, arguments: arguments.statementArguments)
        case .postgres(let statements): try statements.firstColumn(statement.sql, arguments)
        }
    }
}

/// A statement ready to run: its text, and on SQLite its prepared form.
struct SQLStatement {
    let sql: String
    let sqlite: Statement?
}

/// The SQL dialects the store speaks.
enum SQLDialect {
    case sqlite
    case postgres
}
