import Logging
import ServiceLifecycle

/// The loop every background job shares: do the work, wait `interval`, again, until the server shuts down
/// (gracefully or by cancellation). A failed round is logged and the next one tried; what a round did (a count) is
/// logged at debug level when it did anything.
enum PeriodicWork {
    static func run(
        every interval: Duration, waitFirst: Bool = false, logger: Logger, did done: String, failed failure: String,
        _ work: () async throws -> Int
    ) async {
        if waitFirst { await pause(interval) }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let count = try await work()
                if count > 0 { logger.debug("\(done)", metadata: ["count": "\(count)"]) }
            } catch {
                logger.warning("\(failure)", metadata: ["error": "\(error)"])
            }
            await pause(interval)
        }
    }

    /// Sleeps, cut short by a graceful shutdown or cancellation.
    private static func pause(_ interval: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}
