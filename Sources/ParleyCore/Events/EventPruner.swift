import Logging
import ServiceLifecycle

/// Deletes chat events older than the retention window, once a minute, for as long as the server
/// runs. A client that reconnects from before the window is told to resync.
public struct EventPruner: Service {
    let eventLog: EventLogService
    /// Seconds an event is kept.
    let retention: Int64
    let interval: Duration
    let logger: Logger

    public init(eventLog: EventLogService, retention: Int64, interval: Duration = .seconds(60), logger: Logger) {
        self.eventLog = eventLog
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pruned = try await eventLog.prune(retention: retention)
                if pruned > 0 { logger.debug("pruned chat events", metadata: ["count": "\(pruned)"]) }
            } catch {
                logger.warning("pruning chat events failed", metadata: ["error": "\(error)"])
            }
            try? await gracefulShutdownOrSleep(for: interval)
        }
    }

    private func gracefulShutdownOrSleep(for duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
