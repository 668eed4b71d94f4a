/// Wakes the push outbox worker: a write that added `push_deliveries` rows signals once it has committed, so a push
/// starts at once instead of at the next poll. Signals coalesce; the worker always rereads the outbox.
public final class PushSignal: Sendable {
    public let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func wake() { continuation.yield() }
}
