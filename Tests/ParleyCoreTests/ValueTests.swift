import Testing
@testable import ParleyCore

@Suite struct ValueTests {
    @Test func timestampsRoundTripInTwiliosFormat() {
        let stamp = Timestamp(secondsSince1970: 1_450_304_317)
        #expect(stamp.description == "2015-12-16T22:18:37Z")
        #expect(Timestamp(iso8601: "2015-12-16T22:18:37Z") == stamp)
        #expect(Timestamp(iso8601: "2015-12-16T22:18:37.123Z") == stamp)
        #expect(Timestamp(iso8601: "2015-12-16T23:18:37+01:00") == stamp)
        #expect(Timestamp(secondsSince1970: 0).description == "1970-01-01T00:00:00Z")
        #expect(Timestamp(iso8601: "2024-02-29T00:00:00Z")?.description == "2024-02-29T00:00:00Z")
        for bad in ["", "yesterday", "2015-12-16", "2015-13-16T22:18:37Z", "2015-12-16T22:18:37", "2015-12-16T22:18:37Zjunk"] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
    }

    @Test func durationsFollowISO8601() {
        #expect(ISODuration("PT5M")?.seconds == 300)
        #expect(ISODuration("P1DT12H")?.seconds == 129_600)
        #expect(ISODuration("P2W")?.seconds == 1_209_600)
        for bad in ["", "P", "PT", "5M", "PT5", "P1M", "PTXM", "P1Y"] {
            #expect(ISODuration(bad) == nil, "\(bad)")
        }
    }

    @Test func sidsArePrefixedLowercaseHexAndIncreaseWithTime() {
        let early = SID.make(.conversation, now: Timestamp(secondsSince1970: 1_700_000_000))
        let late = SID.make(.conversation, now: Timestamp(secondsSince1970: 1_800_000_000))
        #expect(early.count == 34 && early.hasPrefix("CH"))
        #expect(SID.isValid(early, .conversation))
        #expect(!SID.isValid(early, .message))
        #expect(early.dropFirst(2).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(early < late)
        #expect(SID.make(.message) != SID.make(.message))
        #expect(!SID.isValid("CH123", .conversation))
        #expect(!SID.isValid("CH" + String(repeating: "g", count: 32), .conversation))
    }

    @Test func channelsFollowTheAddressPrefix() {
        #expect(Channel(address: "+15550001111") == .sms)
        #expect(Channel(address: "whatsapp:+15550001111") == .whatsapp)
        #expect(Channel(address: "messenger:12345") == .messenger)
        #expect(Channel(address: "chat:x") == .sms)
    }

    @Test func secretsCompareWhole() {
        #expect(Secrets.equal("abc", "abc"))
        #expect(!Secrets.equal("abc", "abd"))
        #expect(!Secrets.equal("abc", "abcd"))
        #expect(!Secrets.equal("", "a"))
    }
}
