import ParleyCore
import Synchronization

/// Token buckets by key: each holds at most `capacity` tokens and refills at `refillPerSecond`. Buckets that have
/// refilled to the brim are forgotten once there are more than `maximumKeys`, so a stream of new keys (addresses,
/// identities) cannot grow memory without bound.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let capacity: Double
    let refillPerSecond: Double
    let maximumKeys: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(capacity: Double, refillPerSecond: Double, maximumKeys: Int = 10_000) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        self.maximumKeys = maximumKeys
    }

    /// `perSecond` requests a second, in bursts of at most `perSecond`.
    convenience init(perSecond: Int) {
        self.init(capacity: Double(perSecond), refillPerSecond: Double(perSecond))
    }

    /// Takes a token for `key`: nil when one was there, else the seconds until one will be.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Double? {
        update(key, now: now) { tokens in
            guard tokens >= 1 else { return false }
            tokens -= 1
            return true
        }
    }

    /// Whether `key` has a token, without taking it: nil when it has, else the seconds until it will.
    func wait(_ key: String, now: ContinuousClock.Instant = .now) -> Double? {
        update(key, now: now) { tokens in tokens >= 1 }
    }

    /// Takes a token for `key`, or throws `rateLimited` with the whole seconds to wait.
    func require(_ key: String) throws {
        if let wait = take(key) { throw ParleyError.rateLimited(retryAfterSeconds: max(1, Int(wait.rounded(.up)))) }
    }

    /// Refills `key`'s bucket to `now`, lets `body` spend from it, and returns nil when `body` says yes, else the wait.
    private func update(_ key: String, now: ContinuousClock.Instant, _ body: (inout Double) -> Bool) -> Double? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = (now - bucket.updated).components
            bucket.tokens = min(capacity, bucket.tokens + (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18) * refillPerSecond)
            bucket.updated = now
            let allowed = body(&bucket.tokens)
            buckets[key] = bucket
            if buckets.count > maximumKeys { forgetFull(&buckets, now: now) }
            return allowed ? nil : (1 - bucket.tokens) / refillPerSecond
        }
    }

    /// Forgets the buckets that have refilled; if that is not enough (many keys busy at once), also the least recently
    /// used, down to half of `maximumKeys`, so that the sweep runs rarely however many keys arrive (a forgotten key
    /// starts again with a full bucket).
    private func forgetFull(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        buckets = buckets.filter { _, bucket in
            let elapsed = (now - bucket.updated).components
            return bucket.tokens + (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18) * refillPerSecond < capacity
        }
        if buckets.count > maximumKeys / 2 {
            let recent = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(maximumKeys / 2)
            buckets = Dictionary(uniqueKeysWithValues: recent.map { ($0.key, $0.value) })
        }
    }
}
