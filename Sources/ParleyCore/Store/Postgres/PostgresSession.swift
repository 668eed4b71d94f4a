import Logging
import PostgresNIO

/// One open connection to a PostgreSQL database, for the command-line tools (`parley migrate`, `parley copy`):
/// statements run one at a time, in order.
public struct PostgresSession: Sendable {
    let connection: PostgresConnection
    let logger: Logger
    /// Where it is connected, password hidden.
    public let location: PostgresLocation

    /// Connects to `location`, runs `body`, and closes the connection whatever `body` did.
    public static func with<T: Sendable>(
        _ location: PostgresLocation, _ body: (PostgresSession) async throws -> T
    ) async throws -> T {
        let logger = Logger(label: "parley.postgres") { _ in SwiftLogNoOpLogHandler() }
        let connection = try await PostgresFailure.translating(location) {
            try await PostgresConnection.connect(configuration: location.configuration, id: 1, logger: logger)
        }
        let session = PostgresSession(connection: connection, logger: logger, location: location)
        do {
            let value = try await body(session)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs one statement and discards its rows.
    public func execute(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) async throws {
        _ = try await rows(sql, binds)
    }

    /// Runs one statement and returns its rows; a failure is a `PostgresFailure`.
    public func rows(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) async throws -> [PostgresRow] {
        try await PostgresFailure.translating(location) {
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
        }
    }

    /// Runs each statement of a script (see `PostgresScript`) in order.
    public func executeScript(_ script: String) async throws {
        for statement in PostgresScript.statements(of: script) { try await execute(statement) }
    }

    /// Runs `body` in one transaction at `isolation`: committed when it returns, rolled back when it throws.
    public func transaction<T: Sendable>(
        isolation: String = "READ COMMITTED", _ body: () async throws -> T
    ) async throws -> T {
        try await execute("BEGIN ISOLATION LEVEL \(isolation)")
        do {
            let value = try await body()
            try await execute("COMMIT")
            return value
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
    }
}
