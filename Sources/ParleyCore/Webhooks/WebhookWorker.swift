import Logging
import ServiceLifecycle
import Synchronization

/// Delivers post-action webhooks from the outbox (`webhook_deliveries`), for as long as the server runs.
///
/// At least once: a row stays pending until an attempt got a 2xx answer (a crash mid-request sends it again after
/// restart, with the same `I-Twilio-Idempotency-Token`). In order per conversation and URL: a row is only sent once the
/// rows before it, of the same conversation to the same URL, are no longer pending. Failed attempts are retried with
/// `Backoff` until `maxAttempts`, then the row is `failed` (listed at `/v1/Webhooks/Failures`). Each request has its
/// own timeout and several run at once, so one slow or hanging receiver holds up only its own conversation's rows.
public struct WebhookWorker: Service {
    let store: Store
    let signal: WebhookSignal
    let settings: WebhookSettings
    let sender: WebhookSender
    let logger: Logger
    let now: @Sendable () -> Timestamp

    public init(webhooks: WebhookService, logger: Logger) {
        self.store = webhooks.store
        self.signal = webhooks.signal
        self.settings = webhooks.settings
        self.sender = webhooks.recorder.sender
        self.logger = logger
        self.now = webhooks.now
    }

    /// How long a claimed delivery is this node's (seconds): well past one attempt's timeout.
    static let lease = 300.0

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        let drain = OutboxDrain(
            signal: signal, maximumConcurrent: settings.maximumConcurrent, pollInterval: settings.pollInterval, leasesRows: store.isShared, name: "webhook",
            logger: logger)
        await drain.run(
            due: { [store] limit in
                try await store.claim { tx in
                    (try tx.dueWebhookDeliveries(at: .now, limit: limit, leaseUntil: .now.adding(seconds: WebhookWorker.lease)), try tx.nextWebhookAttempt())
                }
            },
            seq: \.seq, attempt: { await self.attempt($0) })
    }

    /// One attempt at one delivery, and its outcome recorded. An attempt that cannot be made (reading the account failed,
    /// or was cancelled because the worker is stopping) releases its row, due again in a second with its attempts
    /// uncounted, rather than leave it leased on PostgreSQL until the lease ends.
    func attempt(_ delivery: WebhookDelivery) async {
        do {
            let authToken = try await store.read { tx in try tx.account(sid: delivery.accountSid)?.authToken }
            guard let authToken else {
                try await record(delivery, status: .failed, statusCode: nil, error: "account \(delivery.accountSid) no longer exists")
                return
            }
            let response = await sender.send(
                url: delivery.url, method: delivery.method, parameters: WebhookForm.decode(delivery.body), authToken: authToken,
                idempotencyToken: delivery.idempotencyToken)
            if response.isSuccess {
                try await record(delivery, status: .delivered, statusCode: response.statusCode, error: nil)
            } else {
                let attempts = delivery.attempts + 1
                let retry = settings.backoff.allowsRetry(afterAttempts: attempts)
                if !retry {
                    logger.warning(
                        "webhook delivery failed", metadata: ["url": "\(delivery.url)", "event": "\(delivery.eventType)", "error": "\(response.error ?? "-")"])
                }
                try await record(
                    delivery, status: retry ? .pending : .failed, statusCode: response.statusCode, error: response.error ?? "failed",
                    delay: settings.backoff.delay(afterAttempts: attempts))
            }
        } catch {
            logger.warning("recording a webhook attempt failed", metadata: ["error": "\(error)"])
            let seq = delivery.seq
            try? await store.recordOutcome { tx in try tx.releaseWebhookDelivery(seq: seq, dueAt: .now.adding(seconds: 1)) }
        }
    }

    private func record(_ delivery: WebhookDelivery, status: WebhookDelivery.Status, statusCode: Int?, error: String?, delay: Double = 0) async throws {
        let now = self.now()
        let next = WebhookTime.now.adding(seconds: delay)
        try await store.recordOutcome { tx in
            try tx.recordAttempt(
                seq: delivery.seq, status: status, attempts: delivery.attempts + 1, nextAttemptAt: next, statusCode: statusCode, error: error, now: now)
        }
    }
}
