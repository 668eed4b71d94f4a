import GRDB
import Logging
import PostgresNIO

/// The statements of one PostgreSQL transaction, run one at a time, in order, on the pool thread that runs the
/// transaction's closure (see `PostgresEngine`): each waits for its answer, as a SQLite statement does.
final class PostgresStatements {
    let connection: PostgresConnection
    let logger: Logger
    let texts: PostgresSQLTexts
    /// How many rows the latest INSERT, UPDATE or DELETE changed.
    private(set) var changesCount = 0
    /// Whether this transaction holds its event writer's lock (`StoreTransaction.announceEventWriter`).
    var announcedEventWriter = false

    init(connection: PostgresConnection, logger: Logger, texts: PostgresSQLTexts) {
        self.connection = connection
        self.logger = logger
        self.texts = texts
    }

    /// Every row `sql` returns, as rows the shared decoders read.
    func run(_ sql: String, _ arguments: SQLArguments = []) throws -> [Row] {
        try query(sql, arguments).rows.map { row in
            var columns: [String: DatabaseValue] = [:]
            for cell in row { columns[cell.columnName] = try PostgresValues.databaseValue(of: cell) }
            return Row(columns)
        }
    }

    /// The first column of every row `sql` returns, in order.
    func firstColumn(_ sql: String, _ arguments: SQLArguments) throws -> [DatabaseValue] {
        try query(sql, arguments).rows.map { row in
            guard let cell = row.first(where: { _ in true }) else { return .null }
            return try PostgresValues.databaseValue(of: cell)
        }
    }

    private func query(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        let query = PostgresQuery(unsafeSQL: texts.postgres(sql), binds: PostgresValues.binds(arguments.values))
        let result: PostgresQueryResult
        do {
            result = try Self.answer(connection.query(query, logger: logger), unlessClosed: connection).wait()
        } catch let error as PSQLError {
            throw PostgresStatementError(error, sql: query.sql)
        }
        if ["INSERT", "UPDATE", "DELETE"].contains(result.metadata.command) { changesCount = result.metadata.rows ?? 0 }
        return result
    }

    /// `answer`, or a failure once `connection` has closed. PostgresNIO drops a query written to a connection that has
    /// just closed (the server ended it, or PostgreSQL stopped) without ever completing its future, so a bare `wait()`
    /// would hold this thread, and the request, forever. The driver settles every query it holds while it closes, so
    /// one still pending when the connection is seen closed (looked at every 100 ms until the answer) was dropped.
    private static func answer(_ answer: EventLoopFuture<PostgresQueryResult>, unlessClosed connection: PostgresConnection)
        -> EventLoopFuture<PostgresQueryResult>
    {
        let outcome = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        answer.cascade(to: outcome)
        let watch = connection.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            if connection.isClosed { outcome.fail(PostgresUnavailable(reason: "the connection to PostgreSQL closed")) }
        }
        outcome.futureResult.whenComplete { _ in watch.cancel() }
        return outcome.futureResult
    }
}

/// A statement PostgreSQL refused, or the connection it was on failing: the server's message and SQLSTATE, never the
/// bound values.
struct PostgresStatementError: Error, CustomStringConvertible {
    let error: PSQLError
    /// The statement's text (constant SQL, no values).
    let sql: String
    init(_ error: PSQLError, sql: String) {
        self.error = error
        self.sql = sql
    }

    /// The server's SQLSTATE, nil when the connection failed before an answer.
    var sqlState: String? { error.serverInfo?[.sqlState] }

    /// Whether this is about the storage rather than the statement: no answer (the connection failed), or the server
    /// unable to work (connection exceptions 08, out of resources 53, shutting down 57P, a read-only standby 25006,
    /// system errors 58).
    var isStorageFailure: Bool {
        guard let state = sqlState else { return true }
        return ["08", "53", "58"].contains(String(state.prefix(2))) || state.hasPrefix("57P") || state == "25006"
    }

    /// Whether `error`, thrown by the driver outside a statement (the pool connecting), is a connection failure.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return error.serverInfo == nil || (error.serverInfo?[.sqlState]).map { $0.hasPrefix("08") || $0.hasPrefix("57P") || $0.hasPrefix("28") } ?? false
    }

    var description: String {
        if let info = error.serverInfo {
            return [
                info[.message].map { "PostgreSQL: \($0)" } ?? "PostgreSQL error", info[.detail], info[.sqlState].map { "SQLSTATE \($0)" },
                "in: \(sql.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(300))",
            ].compactMap { $0 }.joined(separator: "; ")
        }
        return "PostgreSQL connection: \(error.code)\(error.underlying.map { " (\($0))" } ?? "")"
    }
}
