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
        await PeriodicWork.run(every: interval, logger: logger, did: "pruned chat events", failed: "pruning chat events failed") {
            try await eventLog.prune(retention: retention)
        }
    }
}
