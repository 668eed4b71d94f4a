import Hummingbird
import Logging
import ParleyCore
import ServiceLifecycle

/// Runs the application until SIGTERM/SIGINT, then shuts down in order:
/// 1. chat WebSockets are closed with code 1001 and the reason "server shutting down" (`SocketCloser`);
/// 2. the HTTP server stops accepting connections and lets in-flight requests finish;
/// 3. background services (pruners, workers) stop, in the reverse of their start order;
/// 4. the WAL is checkpointed into the database file and the database is closed.
/// Steps 1-3 get `shutdownDeadline`; whatever still runs then is cancelled. Step 4 always runs.
public struct ParleyServer: Sendable {
    let application: any Service
    let parley: Parley
    let shutdownDeadline: Duration
    let logger: Logger

    public init(application: some ApplicationProtocol, parley: Parley, shutdownDeadline: Duration = .seconds(30), logger: Logger) {
        self.application = application
        self.parley = parley
        self.shutdownDeadline = shutdownDeadline
        self.logger = logger
    }

    public func run() async throws {
        // A ServiceGroup stops its services in reverse order: the socket closer first, then the application.
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: application), .init(service: SocketCloser(hub: parley.hub, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownDeadline
        let group = ServiceGroup(configuration: configuration)
        var failure: (any Error)?
        do { try await group.run() } catch { failure = error }
        logger.info("server stopped; checkpointing and closing the database")
        do {
            try await parley.store.checkpointAndClose()
            logger.info("database closed")
        } catch {
            logger.error("closing the database failed", metadata: ["error": "\(error)"])
            failure = failure ?? error
        }
        if let failure { throw failure }
    }
}

/// Waits for graceful shutdown, then ends every live event stream, so each chat WebSocket closes with its reason.
struct SocketCloser: Service {
    let hub: EventHub
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let open = hub.connectionCount
        logger.info("closing chat sockets", metadata: ["count": "\(open)"])
        hub.closeAll()
        // Each socket unsubscribes once its close frame is out; wait for that (at most 5 s) before the server
        // stops, whose own shutdown would close the remaining sockets without a reason.
        for _ in 0..<500 where hub.connectionCount > 0 {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
