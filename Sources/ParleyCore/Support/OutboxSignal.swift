/// Wakes an outbox worker: a write that added outbox rows signals once it has committed, so a delivery starts at once
/// instead of at the next poll. Signals coalesce; the worker always rereads the outbox.
public final class OutboxSignal: Sendable {
    public let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func wake() { continuation.yield() }
}

/// The webhook outbox's signal (`webhook_deliveries`).
public typealias WebhookSignal = OutboxSignal
/// The push outbox's signal (`push_deliveries`).
public typealias PushSignal = OutboxSignal
