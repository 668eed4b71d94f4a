import Foundation
import Testing

@testable import ParleyCore

/// `RetryAfter.parse`: a provider's `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3), and junk refused.
@Suite struct PushRetryAfterTests {
    /// 2026-12-04T08:00:00Z, the "now" the dates below are read against.
    static let now = Date(timeIntervalSince1970: 1_796_371_200)

    @Test func secondsAreReadAsTheyAre() {
        #expect(RetryAfter.parse("120", now: Self.now) == .seconds(120))
        #expect(RetryAfter.parse("  7 ", now: Self.now) == .seconds(7))
        #expect(RetryAfter.parse("0", now: Self.now) == .zero)
        #expect(RetryAfter.parse("-5", now: Self.now) == .zero)
    }

    @Test func anHTTPDateIsTheWaitUntilThen() {
        #expect(RetryAfter.parse("Fri, 04 Dec 2026 08:00:30 GMT", now: Self.now) == .seconds(30))
        #expect(RetryAfter.parse("Fri, 04 Dec 2026 09:00:00 GMT", now: Self.now) == .seconds(3600))
        // A date already past asks for no wait at all.
        #expect(RetryAfter.parse("Thu, 03 Dec 2026 08:00:00 GMT", now: Self.now) == .zero)
    }

    /// RFC 9110 §5.6.7: a recipient accepts the two obsolete date forms too (RFC 850 and asctime).
    @Test func theObsoleteDateFormsAreReadToo() {
        #expect(RetryAfter.parse("Friday, 04-Dec-26 08:00:30 GMT", now: Self.now) == .seconds(30))
        #expect(RetryAfter.parse("Fri Dec  4 08:01:00 2026", now: Self.now) == .seconds(60))
        #expect(RetryAfter.parse("Fri Dec 14 08:00:00 2026", now: Self.now) == .seconds(10 * 86400))
    }

    @Test func junkIsNoWait() {
        for junk in ["", "   ", "soon", "12abc", "1.5", "0x10", "Fri, 32 Dec 2026 08:00:00 GMT", "2026-12-04T08:00:30Z", "Fri, 04 Dec 2026"] {
            #expect(RetryAfter.parse(junk, now: Self.now) == nil, "\(junk)")
        }
        #expect(RetryAfter.parse(nil, now: Self.now) == nil)
    }
}
