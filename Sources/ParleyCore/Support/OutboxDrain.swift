import Logging
import Synchronization

/// The loop every outbox worker runs (webhooks, pushes): read the due rows, start an attempt for each one not already in
/// flight, at most `maximumConcurrent` at once, then sleep until woken (a commit that wrote rows, a finished attempt) or
/// until the earliest pending row falls due, at most `pollInterval`. Returns when the task is cancelled.
struct OutboxDrain: Sendable {
    let signal: OutboxSignal
    let maximumConcurrent: Int
    let pollInterval: Duration
    /// Names the outbox in the warning logged when reading it fails ("webhook", "push").
    let name: String
    let logger: Logger

    /// - Parameters:
    ///   - due: the due rows, at most `limit` of them (rows in flight included), and when the next pending one falls due.
    ///   - seq: a row's outbox sequence number, which identifies it while in flight.
    ///   - attempt: one attempt at one row, its outcome recorded.
    func run<Row: Sendable>(
        due: @escaping @Sendable (_ limit: Int) async throws -> (rows: [Row], next: WebhookTime?),
        seq: @escaping @Sendable (Row) -> Int64,
        attempt: @escaping @Sendable (Row) async -> Void
    ) async {
        let inFlight = InFlightRows()
        var wakes = signal.stream.makeAsyncIterator()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let busy = inFlight.seqs.withLock { $0 }
                let free = max(0, maximumConcurrent - busy.count)
                var rows: [Row] = []
                var next: WebhookTime?
                do {
                    (rows, next) = try await due(free + busy.count)
                } catch {
                    logger.warning("reading the \(name) outbox failed", metadata: ["error": "\(error)"])
                }
                for row in rows.filter({ !busy.contains(seq($0)) }).prefix(free) {
                    let key = seq(row)
                    inFlight.seqs.withLock { _ = $0.insert(key) }
                    group.addTask {
                        await attempt(row)
                        inFlight.seqs.withLock { _ = $0.remove(key) }
                        signal.wake()
                    }
                }
                await sleep(&wakes, next: next)
            }
        }
    }

    private func sleep(_ wakes: inout AsyncStream<Void>.Iterator, next: WebhookTime?) async {
        var wait = pollInterval
        if let next {
            wait = min(wait, .milliseconds(max(5, next.millisecondsSince1970 - WebhookTime.now.millisecondsSince1970)))
        }
        let (sleep, signal) = (wait, self.signal)
        await withTaskGroup(of: Void.self) { timer in
            timer.addTask {
                do {
                    try await Task.sleep(for: sleep)
                    signal.wake()
                } catch {}
            }
            _ = await wakes.next()
            timer.cancelAll()
        }
    }
}

/// The outbox rows being attempted right now (by seq), so a poll does not start them twice.
private final class InFlightRows: Sendable {
    let seqs = Mutex<Set<Int64>>([])
}
