import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// The PostgreSQL side of a `Store`: a pool of connections (PostgresNIO's `PostgresClient`) and as many threads, one
/// per running transaction. A transaction's closure is synchronous, as on SQLite, and runs on one of those threads,
/// each statement waiting for its answer there; the services do not know which engine they run on.
///
/// Writes run at READ COMMITTED: each write that decides on what it read locks that row first (the conversation row
/// for the next message index, `FOR UPDATE SKIP LOCKED` for outbox claims), and unique constraints settle the rest.
/// Reads run at REPEATABLE READ READ ONLY: one snapshot for the whole read, as a SQLite WAL reader has.
final class PostgresEngine: Sendable {
    let location: PostgresLocation
    let texts = PostgresSQLTexts()
    private let client: PostgresClient
    private let threads: NIOThreadPool
    private let running: Task<Void, Never>
    private let logger: Logger
    /// How long a request waits for a connection before it is answered 503.
    let acquireTimeout: Duration

    init(location: PostgresLocation, connections: Int = 16, acquireTimeout: Duration = .seconds(5), statementTimeout: Duration = .seconds(15)) {
        var configuration = location.clientConfiguration
        configuration.options.maximumConnections = connections
        configuration.options.connectTimeout = acquireTimeout
        let milliseconds = statementTimeout.components.seconds * 1000
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(milliseconds)"), ("idle_in_transaction_session_timeout", "\(milliseconds * 4)"),
        ]
        let logger = Logger(label: "parley.postgres") { _ in SwiftLogNoOpLogHandler() }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.location = location
        self.client = client
        self.logger = logger
        self.acquireTimeout = acquireTimeout
        self.threads = NIOThreadPool(numberOfThreads: connections)
        threads.start()
        self.running = Task { await client.run() }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws. A write that PostgreSQL
    /// aborts for a serialization failure or a deadlock is run again (at most three times).
    func transaction<T: Sendable>(readOnly: Bool, _ body: @Sendable @escaping (PostgresStatements) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await once(readOnly: readOnly, body)
            } catch let error as PostgresStatementError where ["40001", "40P01"].contains(error.sqlState ?? "") && attempt < 3 {
                continue
            }
        }
    }

    private func once<T: Sendable>(readOnly: Bool, _ body: @Sendable @escaping (PostgresStatements) throws -> T) async throws -> T {
        let admission = Admission()
        let begin = readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN"
        let (client, threads, logger, texts) = (client, threads, logger, texts)
        let work: @Sendable () async throws -> T = {
            try await client.withConnection { connection in
                // A connection that comes after the deadline gave up is not used: the caller was told the work failed.
                guard admission.start() else { throw CancellationError() }
                return try await threads.runIfActive {
                    let statements = PostgresStatements(connection: connection, logger: logger, texts: texts)
                    _ = try statements.run(begin)
                    do {
                        let value = try body(statements)
                        _ = try statements.run("COMMIT")
                        return value
                    } catch {
                        _ = try? statements.run("ROLLBACK")
                        throw error
                    }
                }
            }
        }
        return try await Self.deadline(acquireTimeout, unless: admission, location: location, work)
    }

    /// Runs `work`, but gives up with `PostgresUnavailable` when it has not got a connection within `timeout`. Once it
    /// has, it runs to its end (the statement timeout bounds it): a write is never reported failed while it may commit.
    private static func deadline<T: Sendable>(
        _ timeout: Duration, unless admission: Admission, location: PostgresLocation, _ work: @Sendable @escaping () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: DeadlineOutcome<T>.self) { group in
            group.addTask { .done(try await work()) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return admission.giveUp() ? .late : .ignore
            }
            while let outcome = try await group.next() {
                switch outcome {
                case .done(let value):
                    group.cancelAll()
                    return value
                case .late:
                    group.cancelAll()
                    throw PostgresUnavailable(reason: "no connection to PostgreSQL at \(location) within \(timeout)")
                case .ignore:
                    continue
                }
            }
            throw CancellationError()
        }
    }

    deinit {
        running.cancel()
        threads.shutdownGracefully { _ in }
    }

    /// Stops the pool and its threads; the engine is unusable afterwards.
    func close() async {
        running.cancel()
        try? await threads.shutdownGracefully()
    }
}

/// Whether a transaction started on its connection (and so must be let run to its end) or its deadline gave up first
/// (and so it must never start): decided once, by whichever comes first.
private final class Admission: Sendable {
    private static let (waiting, started, gaveUp) = (0, 1, 2)
    private let state = Atomic(Admission.waiting)

    /// True when the transaction may start: the deadline has not given up.
    func start() -> Bool {
        state.compareExchange(expected: Self.waiting, desired: Self.started, ordering: .sequentiallyConsistent).exchanged
    }

    /// True when the deadline gives up: the transaction has not started.
    func giveUp() -> Bool {
        state.compareExchange(expected: Self.waiting, desired: Self.gaveUp, ordering: .sequentiallyConsistent).exchanged
    }
}

private enum DeadlineOutcome<T: Sendable>: Sendable {
    case done(T)
    case late
    case ignore
}

/// PostgreSQL cannot be reached, or refuses work for a reason of its own (shutting down, out of space, a standby).
struct PostgresUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
