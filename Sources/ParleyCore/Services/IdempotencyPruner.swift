import Logging
import ServiceLifecycle

/// Forgets idempotency keys older than their window, once an hour, for as long as the server runs.
public struct IdempotencyPruner: Service {
    let idempotency: IdempotencyService
    let interval: Duration
    let logger: Logger

    public init(idempotency: IdempotencyService, interval: Duration = .seconds(3600), logger: Logger) {
        self.idempotency = idempotency
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await PeriodicWork.run(every: interval, logger: logger, did: "pruned idempotency keys", failed: "pruning idempotency keys failed") {
            try await idempotency.prune()
        }
    }
}
