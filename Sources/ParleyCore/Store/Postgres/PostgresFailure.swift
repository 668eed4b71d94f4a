import PostgresNIO

/// A PostgreSQL error in words an operator can act on. PostgresNIO's own `PSQLError` prints a fixed generic text (so
/// that no query data leaks into logs by accident); this keeps the server's message, detail, SQL state and constraint,
/// or the connection failure, and never the bound values.
public struct PostgresFailure: Error, CustomStringConvertible {
    public let description: String
    /// The server's SQLSTATE (e.g. `23505` unique violation), when the server answered.
    public let sqlState: String?

    init(_ error: PSQLError, location: PostgresLocation) {
        if let info = error.serverInfo {
            sqlState = info[.sqlState]
            description = [
                info[.message].map { "PostgreSQL: \($0)" } ?? "PostgreSQL error",
                info[.detail], info[.constraintName].map { "constraint \($0)" }, info[.sqlState].map { "SQLSTATE \($0)" },
            ].compactMap { $0 }.joined(separator: "; ")
        } else {
            sqlState = nil
            description = "PostgreSQL at \(location): \(error.code)\(error.underlying.map { " (\($0))" } ?? "")"
        }
    }

    /// Runs `body`, turning a `PSQLError` into a `PostgresFailure`.
    static func translating<T>(_ location: PostgresLocation, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PSQLError { throw PostgresFailure(error, location: location) }
    }
}
