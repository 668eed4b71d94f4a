import ParleyCore
import Testing

struct BackoffTests {
    @Test func growsExponentiallyUpToTheCapWithJitter() {
        let backoff = Backoff(base: 1, cap: 60, maxAttempts: 5)
        #expect(backoff.delay(afterAttempts: 1, random: 1) == 1)
        #expect(backoff.delay(afterAttempts: 4, random: 1) == 8)
        #expect(backoff.delay(afterAttempts: 20, random: 1) == 60)
        #expect(backoff.delay(afterAttempts: 4, random: 0.5) == 4)
        #expect(backoff.allowsRetry(afterAttempts: 4))
        #expect(!backoff.allowsRetry(afterAttempts: 5))
    }
}
