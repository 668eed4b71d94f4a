import Logging
import ServiceLifecycle
import Synchronization

/// Sends the channel outbox: claims due deliveries, sends each through the transport concurrently (at most
/// `concurrency` at once, so one hanging receiver holds one slot, not the queue), records the outcome on the
/// receipt, and retries failures with `Backoff` up to its limit. Pending rows are in SQLite, so a restarted
/// worker resumes them. It wakes when a commit writes outbox rows (the store's `outboxBell`), when a send
/// finishes, and otherwise every `pollInterval`.
public struct ChannelWorker: Service {
    let store: Store
    let transport: any ChannelTransport
    let backoff: Backoff
    let concurrency: Int
    /// How long a claimed delivery is held before another claim may take it (longer than any transport timeout).
    let lease: Duration
    let pollInterval: Duration
    let now: @Sendable () -> Timestamp
    let logger: Logger

    public init(
        store: Store, transport: any ChannelTransport, backoff: Backoff = Backoff(), concurrency: Int = 16, lease: Duration = .seconds(120),
        pollInterval: Duration = .seconds(1), now: @escaping @Sendable () -> Timestamp = { .now }, logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.backoff = backoff
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.pollInterval = pollInterval
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        let inFlight = InFlightCount()
        let bell = store.outboxBell
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let free = concurrency - inFlight.value
                var claimed: [OutboundDelivery] = []
                if free > 0 {
                    do {
                        claimed = try await claim(limit: free)
                    } catch {
                        logger.warning("claiming channel deliveries failed", metadata: ["error": "\(error)"])
                    }
                }
                for delivery in claimed {
                    inFlight.add(1)
                    group.addTask {
                        await self.deliver(delivery)
                        inFlight.add(-1)
                        bell.ring()
                    }
                }
                if claimed.count == free && free > 0 { continue }  // more may be due right now
                await cancelWhenGracefulShutdownOrWait(bell)
            }
            group.cancelAll()
        }
    }

    /// Sends every delivery due now and waits for their outcomes (retries included once due); for tools and tests
    /// that run without the service loop. Returns how many attempts were made.
    @discardableResult
    public func drain() async throws -> Int {
        var attempts = 0
        while true {
            let claimed = try await claim(limit: concurrency)
            if claimed.isEmpty { return attempts }
            attempts += claimed.count
            await withDiscardingTaskGroup { group in
                for delivery in claimed { group.addTask { await self.deliver(delivery) } }
            }
        }
    }

    private func cancelWhenGracefulShutdownOrWait(_ bell: WakeSignal) async {
        await cancelWhenGracefulShutdown { await bell.wait(timeout: pollInterval) }
    }

    private func claim(limit: Int) async throws -> [OutboundDelivery] {
        let now = self.now()
        let nowMillis = now.millisecondsSince1970
        let leaseUntil = nowMillis + Self.milliseconds(lease)
        return try await store.write { tx in
            try tx.claimDueDeliveries(nowMillis: nowMillis, leaseUntil: leaseUntil, limit: limit, now: now)
        }
    }

    /// One attempt, and its outcome written to the outbox row and the receipt.
    func deliver(_ delivery: OutboundDelivery) async {
        let outcome = await transport.send(delivery)
        let now = self.now()
        let backoff = self.backoff
        do {
            try await store.recordOutcome { tx in
                switch outcome {
                case .accepted(let channelMessageSid, let status):
                    try tx.finishDelivery(
                        receiptSid: delivery.receiptSid, outboxStatus: "sent", receiptStatus: status, channelMessageSid: channelMessageSid, errorCode: 0,
                        error: nil, now: now)
                case .rejected(let code, let reason):
                    try tx.finishDelivery(
                        receiptSid: delivery.receiptSid, outboxStatus: "failed", receiptStatus: .failed, channelMessageSid: nil, errorCode: code,
                        error: reason, now: now)
                case .retry(let reason):
                    if backoff.allowsRetry(afterAttempts: delivery.attempts) {
                        let delay = Int64(backoff.delay(afterAttempts: delivery.attempts) * 1000)
                        try tx.retryDelivery(receiptSid: delivery.receiptSid, dueAt: now.millisecondsSince1970 + delay, error: reason, now: now)
                    } else {
                        // 30008: unknown error; the receiver never took the message.
                        try tx.finishDelivery(
                            receiptSid: delivery.receiptSid, outboxStatus: "failed", receiptStatus: .failed, channelMessageSid: nil, errorCode: 30008,
                            error: "gave up after \(delivery.attempts) attempts: \(reason)", now: now)
                    }
                }
            }
        } catch {
            // The row stays claimed until its lease ends, then it is tried again.
            logger.warning("recording a channel delivery failed", metadata: ["receipt": "\(delivery.receiptSid)", "error": "\(error)"])
        }
        if case .retry(let reason) = outcome {
            logger.debug("channel delivery will be retried", metadata: ["receipt": "\(delivery.receiptSid)", "reason": "\(reason)"])
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

/// How many deliveries the worker has in flight.
final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .acquiring) }
    func add(_ delta: Int) { count.add(delta, ordering: .acquiringAndReleasing) }
}
