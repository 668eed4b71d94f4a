import Synchronization

/// A doorbell for one waiting loop: `ring` wakes the waiter now, or the next `wait` at once if nobody waits.
/// The channel worker waits on its store's bell, rung after each commit that wrote outbox rows.
public final class WakeSignal: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or lets the next `wait` return at once.
    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after a ring, after `timeout`, or on cancellation, whichever comes first. One waiter at a time.
    public func wait(timeout: Duration) async {
        let woken = Woken()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.waitForRing()
                woken.set()
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                // Past the timeout, or cancelled: wake the waiter. Not once a ring has woken it: the timer is then
                // cancelled, and a ring now would stay behind and make the next `wait` return at once, and the one
                // after it, a loop that kept a core busy.
                if !woken.isSet { self.ring() }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Whether this wait's waiter has returned.
    private final class Woken: Sendable {
        private let flag = Mutex(false)
        func set() { flag.withLock { $0 = true } }
        var isSet: Bool { flag.withLock { $0 } }
    }

    private func waitForRing() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
