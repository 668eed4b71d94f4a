import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Sends the pushes of the outbox (`push_deliveries`), for as long as the server runs.
///
/// At least once: a row stays pending until a provider answered it (a crash mid-request sends it again after restart).
/// Several pushes run at once, each bounded by `attemptTimeout`. A timeout, 5xx or 429 is retried with `Backoff` (and
/// never sooner than the provider's `Retry-After`) until `maxAttempts`, then the row is `failed`; a refusal fails it at
/// once; an address the provider disowned (APNs 410, FCM `UNREGISTERED`) deletes its binding and fails the row with the
/// reason. The badge (`NewMessage.BadgeCountEnabled`) is the recipient's unread count when the push is sent.
///
/// Logs name the Service, event, binding and outcome, never a key, a token or a whole device address; at info when the
/// Service's `LogEnabled` is set, else at debug.
public struct PushWorker: Service {
    /// Finds a credential's decoded secret and sandbox flag; nil when the credential is gone.
    public typealias CredentialLookup = @Sendable (_ credentialSid: String) async throws -> (PushCredentialSecret, sandbox: Bool)?

    let store: Store
    let signal: PushSignal
    let settings: PushWorkerSettings
    let senders: PushSenders
    let credential: CredentialLookup
    let logger: Logger
    let now: @Sendable () -> Timestamp

    public init(
        store: Store, signal: PushSignal, settings: PushWorkerSettings, senders: PushSenders, credential: @escaping CredentialLookup,
        logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        self.signal = signal
        self.settings = settings
        self.senders = senders
        self.credential = credential
        self.logger = logger
        self.now = now
    }

    /// The worker of `parley`'s outbox: its store, its signal, and its credentials' secrets.
    public init(parley: Parley, settings: PushWorkerSettings = PushWorkerSettings(), senders: PushSenders, logger: Logger) {
        let credentials = parley.pushCredentials
        self.init(
            store: parley.store, signal: parley.pushSignal, settings: settings, senders: senders,
            credential: { try await credentials.secret(credentialSid: $0) }, logger: logger)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
        await senders.shutdown()
    }

    private func loop() async {
        let drain = OutboxDrain(
            signal: signal, maximumConcurrent: settings.maximumConcurrent, pollInterval: settings.pollInterval, leasesRows: store.isShared, name: "push",
            logger: logger)
        await drain.run(
            due: { [store] limit in
                try await store.claim { tx in
                    (try tx.duePushDeliveries(at: .now, limit: limit, leaseUntil: .now.adding(seconds: WebhookWorker.lease)), try tx.nextPushAttempt())
                }
            },
            seq: \.seq, attempt: { await self.attempt($0) })
    }

    /// One attempt at one push, and its outcome recorded; one that cannot be made releases its row (see
    /// `WebhookWorker.attempt`).
    func attempt(_ delivery: PushDelivery) async {
        do {
            let outcome = try await outcome(of: delivery)
            try await record(outcome, of: delivery)
        } catch {
            logger.warning("recording a push attempt failed", metadata: ["delivery": "\(delivery.seq)", "error": "\(error)"])
            let seq = delivery.seq
            try? await store.recordOutcome { tx in try tx.releasePushDelivery(seq: seq, dueAt: .now.adding(seconds: 1)) }
        }
    }

    /// Sends the push (when it still can be sent) and says how it went.
    private func outcome(of delivery: PushDelivery) async throws -> PushOutcome {
        guard let sender = senders.sender(forBindingType: delivery.bindingType) else {
            return .failed(statusCode: nil, reason: "unknown binding type \(delivery.bindingType)")
        }
        guard let notification = try? JSONDecoder().decode(PushNotification.self, from: Data(delivery.payload.utf8)) else {
            return .failed(statusCode: nil, reason: "the stored notification is not readable")
        }
        let found: (PushCredentialSecret, sandbox: Bool)?
        do {
            found = try await credential(delivery.credentialSid)
        } catch let failure as PushSecretBox.Failure {
            // The key file is missing or another one (a restore next to the wrong file): retried with backoff, so putting
            // the right file back recovers, then failed with the reason. Never an attempt that records nothing, which
            // would leave the row due and the worker taking it again at once.
            return .retry(statusCode: nil, reason: "the credential's secret cannot be opened (\(failure)); see the secrets key file", after: nil)
        }
        guard let (secret, sandbox) = found else {
            return .failed(statusCode: nil, reason: "credential \(delivery.credentialSid) no longer exists")
        }
        var badge: Int?
        if notification.badgeCountEnabled {
            badge = try await store.read { tx in try tx.unreadMessageCount(serviceSid: delivery.serviceSid, identity: delivery.identity) }
        }
        let attempt = PushAttempt(notification: notification, address: delivery.address, credential: secret, sandbox: sandbox, badge: badge)
        let timeout = settings.attemptTimeout
        return await withTimeLimit(timeout) { await sender.send(attempt) }
            ?? .retry(statusCode: nil, reason: "no answer within \(timeout)", after: nil)
    }

    private func record(_ outcome: PushOutcome, of delivery: PushDelivery) async throws {
        let attempts = delivery.attempts + 1
        let now = self.now()
        var status = PushDelivery.Status.failed
        var statusCode: Int?
        var error: String?
        var delay = 0.0
        var unregistered = false
        switch outcome {
        case .delivered:
            status = .delivered
        case .retry(let code, let reason, let after):
            statusCode = code
            error = reason
            if settings.backoff.allowsRetry(afterAttempts: attempts) {
                status = .pending
                delay = settings.delay(afterAttempts: attempts, retryAfter: after)
            } else {
                error = "\(reason) (gave up after \(attempts) attempts)"
            }
        case .unregistered(let code, let reason):
            statusCode = code
            error = "\(reason); binding \(delivery.bindingSid) deleted"
            unregistered = true
        case .failed(let code, let reason):
            statusCode = code
            error = reason
        }
        let next = WebhookTime.now.adding(seconds: delay)
        let (finalStatus, finalCode, finalError, deleteBinding) = (status, statusCode, error, unregistered)
        let logEnabled = try await store.recordOutcome { tx in
            try tx.recordPushAttempt(
                seq: delivery.seq, status: finalStatus, attempts: attempts, nextAttemptAt: next, statusCode: finalCode, error: finalError, now: now)
            if deleteBinding { try tx.deletePushBinding(sid: delivery.bindingSid, except: delivery.seq) }
            return try tx.pushSettings(serviceSid: delivery.serviceSid).logEnabled
        }
        var metadata: Logger.Metadata = [
            "service": "\(delivery.serviceSid)", "event": "\(delivery.eventType)", "binding": "\(delivery.bindingSid)",
            "type": "\(delivery.bindingType)", "address": "\(delivery.maskedAddress)", "status": "\(status.rawValue)", "attempts": "\(attempts)",
        ]
        if let statusCode { metadata["status_code"] = "\(statusCode)" }
        if let error { metadata["error"] = "\(error)" }
        let level: Logger.Level = logEnabled ? .info : (status == .failed ? .warning : .debug)
        logger.log(level: level, "push \(status == .pending ? "will be retried" : status.rawValue)", metadata: metadata)
    }
}
