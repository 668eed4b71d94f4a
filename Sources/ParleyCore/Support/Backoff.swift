/// When to try an outbound delivery again: exponential backoff with full jitter, capped, so a receiver that is down
/// is not hammered and many failed deliveries do not retry in lockstep.
public struct Backoff: Sendable, Equatable {
    /// The delay before the first retry, in seconds.
    public var base: Double
    /// The longest delay, in seconds.
    public var cap: Double
    /// How many attempts in all before a delivery is given up as failed.
    public var maxAttempts: Int

    public init(base: Double = 1, cap: Double = 300, maxAttempts: Int = 8) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The delay in seconds after `attempts` failed attempts (1 for the first failure): uniform in
    /// `[0, min(cap, base * 2^(attempts-1))]`.
    public func delay(afterAttempts attempts: Int, random: Double = Double.random(in: 0...1)) -> Double {
        let exponent = Double(max(0, min(attempts - 1, 30)))
        return min(cap, base * pow2(exponent)) * random
    }

    /// Whether a delivery that has failed `attempts` times should be tried again.
    public func allowsRetry(afterAttempts attempts: Int) -> Bool { attempts < maxAttempts }

    private func pow2(_ exponent: Double) -> Double { Double(1 << Int(exponent)) }
}
