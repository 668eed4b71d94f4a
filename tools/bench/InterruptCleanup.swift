import Dispatch
import Foundation
import Synchronization

/// What to undo when the bench is interrupted (SIGINT, SIGTERM) before it can clean up itself: the servers it started
/// and its PostgreSQL cluster would otherwise keep running (`pg_ctl` puts the cluster in a session of its own, so not
/// even a Ctrl-C reaches it). On a signal the registered actions run, newest first, and the bench exits 128 + signal.
final class InterruptCleanup: Sendable {
    private struct State {
        var nextKey = 0
        var actions: [Int: @Sendable () -> Void] = [:]
    }
    private let state = Mutex(State())

    /// Starts listening for SIGINT and SIGTERM (their default action, an immediate exit, is replaced).
    func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            // The handler holds its source: both live as long as the process, as they should.
            source.setEventHandler {
                _ = source
                self.interrupted(by: number)
            }
            source.resume()
        }
    }

    /// Registers `action`; returns the key with which `remove` drops it once the bench has undone the thing itself.
    func add(_ action: @escaping @Sendable () -> Void) -> Int {
        state.withLock { state in
            state.nextKey += 1
            state.actions[state.nextKey] = action
            return state.nextKey
        }
    }

    func remove(_ key: Int) {
        _ = state.withLock { $0.actions.removeValue(forKey: key) }
    }

    private func interrupted(by number: Int32) -> Never {
        let pending = state.withLock { state in
            defer { state.actions = [:] }
            return state.actions.sorted { $0.key > $1.key }.map(\.value)
        }
        for action in pending { action() }
        exit(128 + number)
    }
}
