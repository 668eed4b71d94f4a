import Logging
import ServiceLifecycle

/// Keeps the media folder in step with the database for as long as the server runs: at start it settles what a
/// crash left (`MediaService.recover`), then removes the content of media deleted along with their conversation or
/// Service, once a minute.
public struct MediaJanitor: Service {
    let media: MediaService
    let interval: Duration
    let logger: Logger

    public init(media: MediaService, interval: Duration = .seconds(60), logger: Logger) {
        self.media = media
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await media.recover()
        } catch {
            logger.warning("settling the media folder failed", metadata: ["error": "\(error)"])
        }
        await PeriodicWork.run(
            every: interval, waitFirst: true, logger: logger, did: "removed unreferenced media content", failed: "collecting media garbage failed"
        ) { try await media.collectGarbage() }
    }
}
