import Hummingbird

/// What the loopback fakes share: running a Hummingbird application for the length of a test's body, and waiting for
/// what a fake has recorded.
enum LocalFakeServer {
    /// Runs `app` while `body` runs (once `isListening` says the port is known), then stops it.
    static func run<T>(_ app: some ApplicationProtocol, isListening: @escaping () -> Bool, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            while !isListening() { try await Task.sleep(for: .milliseconds(10)) }
            let result = try await body()
            group.cancelAll()
            return result
        }
    }

    /// Polls `current` every 5 ms until it holds `count` items or `timeout` passes, and returns the last answer.
    static func wait<Item>(for count: Int, timeout: Duration, _ current: () -> [Item]) async throws -> [Item] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let got = current()
            if got.count >= count { return got }
            try await Task.sleep(for: .milliseconds(5))
        }
        return current()
    }
}
