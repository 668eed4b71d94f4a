/// Wakes the webhook worker: a write that added outbox rows signals once it has committed, so a delivery starts at
/// once instead of at the next poll. Signals coalesce; the worker always rereads the outbox.
public final class WebhookSignal: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func wake() { continuation.yield() }
}
