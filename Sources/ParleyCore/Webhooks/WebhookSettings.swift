/// How webhooks are sent: the per-request timeout (Twilio's is 5 s) and how failed post-action deliveries are retried.
public struct WebhookSettings: Sendable {
    /// How long a receiver has to answer, for pre- and post-action webhooks alike.
    public var timeout: Duration
    /// When failed post-action deliveries are tried again, and how often before they count as failed.
    public var backoff: Backoff
    /// Most deliveries in flight at once.
    public var maximumConcurrent: Int
    /// The longest the worker sleeps without being woken (it also wakes for the next retry that falls due).
    public var pollInterval: Duration

    public init(timeout: Duration = .seconds(5), backoff: Backoff = Backoff(base: 1, cap: 300, maxAttempts: 8), maximumConcurrent: Int = 16,
                pollInterval: Duration = .seconds(1)) {
        self.timeout = timeout
        self.backoff = backoff
        self.maximumConcurrent = maximumConcurrent
        self.pollInterval = pollInterval
    }
}
