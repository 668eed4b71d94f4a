import Logging
import PostgresNIO

/// One node's ear on the shared database: a connection of its own that `LISTEN`s on the `parley` channel, where
/// committing writes announce themselves (`pg_notify`, delivered at commit, in commit order, to every node). Lost
/// connections are made again after a pause; each new connection is reported, since notifications sent while
/// none was open are gone (the listener of `Store.listen` then reads the durable log to catch up).
struct PostgresListener: Sendable {
    static let channel = "parley"
    let location: PostgresLocation

    /// Calls `heard` with each payload, and with nil each time a connection starts listening; returns when cancelled.
    func run(_ heard: @Sendable (String?) async -> Void) async {
        let logger = Logger(label: "parley.postgres.listen") { _ in SwiftLogNoOpLogHandler() }
        var pause = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: location.configuration, id: 0, logger: logger)
                defer { Task { try? await connection.close() } }
                let notifications = try await connection.listen(Self.channel)
                pause = .milliseconds(100)
                await heard(nil)
                for try await notification in notifications { await heard(notification.payload) }
            } catch {
                // The connection failed or the server went away: listen again after a pause.
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(5))
        }
    }
}
