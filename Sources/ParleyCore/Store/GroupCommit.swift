import GRDB
import Synchronization

/// Group commit: write requests that arrive while a transaction is being written wait, and then all
/// run together in the next transaction, one fsync for the lot. Each request runs in its own
/// savepoint, so one that throws rolls back alone; each is answered only after the transaction that
/// holds it has committed (durable), or with the commit's error if it did not. The after-commit
/// actions a request returns run only if its savepoint and the transaction both committed, in
/// commit order, before the next transaction starts.
final class GroupCommit: Sendable {
    private let writer: any DatabaseWriter
    /// Most requests one transaction takes; the rest wait for the next.
    private let maximumBatch: Int
    private let state = Mutex(State())
    /// Told how long each request waited for its transaction (metrics).
    /// Held in a struct, not as a bare optional closure: reading a bare closure out of the `Mutex` with `withLock { $0 }`
    /// wrote it back wrapped in one more reabstraction thunk each time, so every write paid for all earlier ones.
    private struct WaitObserver: Sendable {
        let observe: @Sendable (Duration) -> Void
    }
    private let waitObserver = Mutex<WaitObserver?>(nil)

    private struct State {
        var pending: [PendingWrite] = []
        var draining = false
    }

    init(writer: any DatabaseWriter, maximumBatch: Int = 512) {
        self.writer = writer
        self.maximumBatch = maximumBatch
    }

    /// Sets what is told, for every request, how long it waited between `write` and the start of its transaction.
    func observeWait(_ observer: @escaping @Sendable (Duration) -> Void) {
        waitObserver.withLock { $0 = WaitObserver(observe: observer) }
    }

    /// Runs `body` in the next transaction; `body` returns its value and the actions to run once committed.
    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> (T, [AfterCommit])) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let request = PendingWrite(
                run: { db in
                    var outcome: (T, [AfterCommit])?
                    try db.inSavepoint {
                        outcome = try body(db)
                        return .commit
                    }
                    return (outcome!.0, outcome!.1)
                },
                enqueued: ContinuousClock.now,
                complete: { result in
                    continuation.resume(with: result.map { $0 as! T })
                })
            let startDrain = state.withLock { state in
                state.pending.append(request)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain { Task { await self.drain() } }
        }
    }

    /// Writes batches until no request is waiting.
    private func drain() async {
        while true {
            let batch: [PendingWrite] = state.withLock { state in
                let batch = Array(state.pending.prefix(maximumBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            if let observer = waitObserver.withLock({ $0 }) {
                let start = ContinuousClock.now
                for request in batch { observer.observe(start - request.enqueued) }
            }
            let results: [Result<(any Sendable, [AfterCommit]), any Error>]
            let ran = Mutex<[Result<(any Sendable, [AfterCommit]), any Error>]>([])
            do {
                results = try await writer.write { db in
                    let results = batch.map { request in Result { try request.run(db) } }
                    ran.withLock { $0 = results }
                    return results
                }
            } catch {
                // A statement that fails for want of storage (SQLITE_FULL, an I/O error) makes SQLite roll back the whole
                // transaction, and the commit then reports only "aborted": every request is answered with the cause.
                let causes = ran.withLock { $0 }.compactMap { result -> (any Error)? in
                    if case .failure(let failure) = result, failure is DatabaseError { return failure }
                    return nil
                }
                for request in batch { request.complete(.failure(causes.first ?? error)) }
                continue
            }
            for case .success(let (_, actions)) in results {
                for action in actions { action() }
            }
            for (request, result) in zip(batch, results) { request.complete(result.map(\.0)) }
        }
    }
}

/// Something to do once a write has committed (publishing its events).
typealias AfterCommit = @Sendable () -> Void

/// One request waiting for a transaction.
private struct PendingWrite: Sendable {
    let run: @Sendable (Database) throws -> (any Sendable, [AfterCommit])
    let enqueued: ContinuousClock.Instant
    let complete: @Sendable (Result<any Sendable, any Error>) -> Void
}
