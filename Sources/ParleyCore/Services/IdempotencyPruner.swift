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
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pruned = try await idempotency.prune()
                if pruned > 0 { logger.debug("pruned idempotency keys", metadata: ["count": "\(pruned)"]) }
            } catch {
                logger.warning("pruning idempotency keys failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
