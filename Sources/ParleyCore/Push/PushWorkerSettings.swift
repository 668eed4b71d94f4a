/// How the push outbox is drained: how many pushes at once, how long one may take, and how failed ones are retried.
public struct PushWorkerSettings: Sendable {
    /// When a push that got a timeout, 5xx or 429 is tried again (a provider's `Retry-After` is waited out too), and how
    /// many attempts in all before it is `failed` (listed at `/v1/Push/Failures`).
    public var backoff: Backoff
    /// Most pushes in flight at once.
    public var maximumConcurrent: Int
    /// How long one attempt may take in all (token grant and send); then it counts as a timeout and is retried.
    public var attemptTimeout: Duration
    /// The longest the worker sleeps without being woken (it also wakes for the next retry that falls due).
    public var pollInterval: Duration
    /// The longest `Retry-After` honoured; a provider asking for more is tried again after this.
    public var maximumRetryAfter: Duration

    public init(
        backoff: Backoff = Backoff(base: 1, cap: 300, maxAttempts: 8), maximumConcurrent: Int = 32, attemptTimeout: Duration = .seconds(30),
        pollInterval: Duration = .seconds(1), maximumRetryAfter: Duration = .seconds(3600)
    ) {
        self.backoff = backoff
        self.maximumConcurrent = maximumConcurrent
        self.attemptTimeout = attemptTimeout
        self.pollInterval = pollInterval
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// Seconds to wait after `attempts` failed attempts: the jittered backoff, but never less than `retryAfter`.
    func delay(afterAttempts attempts: Int, retryAfter: Duration?) -> Double {
        let backoff = self.backoff.delay(afterAttempts: attempts)
        guard let retryAfter else { return backoff }
        let asked = Double(min(retryAfter, maximumRetryAfter).components.seconds) + Double(min(retryAfter, maximumRetryAfter).components.attoseconds) / 1e18
        return max(backoff, asked)
    }
}
