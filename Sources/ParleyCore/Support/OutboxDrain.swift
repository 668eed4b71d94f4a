import Logging
import Synchronization

/// The loop every outbox worker runs (webhooks, pushes): read the due rows, start an attempt for each one not already in
/// flight, at most `maximumConcurrent` at once, then sleep until woken (a commit that wrote rows, a finished attempt) or
/// until the earliest pending row falls due, at most `pollInterval`. Returns when the task is cancelled.
struct OutboxDrain: Sendable {
    let signal: OutboxSignal
    let maximumConcurrent: Int
    let pollInterval: Duration
    /// Whether `due` leases the rows it returns (PostgreSQL's claim): then rows in flight are never among them, and
    /// every row it returns must be attempted now, or it waits out its lease. Otherwise (SQLite) `due` is a plain read
    /// that returns the rows in flight too.
    let leasesRows: Bool
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
                let (busy, busyCount) = inFlight.snapshot
                let free = max(0, maximumConcurrent - busyCount)
                var rows: [Row] = []
                var next: WebhookTime?
                do {
                    (rows, next) = try await due(leasesRows ? free : free + busyCount)
                } catch {
                    logger.warning("reading the \(name) outbox failed", metadata: ["error": "\(error)"])
                }
                // A leased row is attempted whatever `busy` says: it may be a row whose previous attempt has just recorded
                // its retry and not yet left `busy`, leased again now, and skipping it would strand it until the lease ends.
                // A plain read's rows in flight are skipped, they are being attempted.
                for row in (leasesRows ? rows : rows.filter { !busy.contains(seq($0)) }).prefix(free) {
                    let key = seq(row)
                    inFlight.insert(key)
                    group.addTask {
                        await attempt(row)
                        inFlight.remove(key)
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

/// The outbox rows being attempted right now (by seq), so a poll does not start them twice, and how many attempts
/// are under way (a leased row can be in flight twice for a moment: its finishing attempt and its next one).
private final class InFlightRows: Sendable {
    private let attempts = Mutex<[Int64: Int]>([:])

    var snapshot: (seqs: Set<Int64>, count: Int) {
        attempts.withLock { (Set($0.keys), $0.values.reduce(0, +)) }
    }

    func insert(_ seq: Int64) { attempts.withLock { $0[seq, default: 0] += 1 } }

    func remove(_ seq: Int64) {
        attempts.withLock { attempts in
            let left = (attempts[seq] ?? 1) - 1
            attempts[seq] = left > 0 ? left : nil
        }
    }
}
