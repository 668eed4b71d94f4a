import Foundation
import Testing
@testable import ParleyCore

/// The outbound address policy without a network: parsing addresses as the resolver does, the special-purpose blocks,
/// the IPv6 forms that carry an IPv4 address, the allow-list, and the decision for a URL given its resolution.
@Suite struct AddressPolicyTests {
    @Test func ipv4LiteralsAreReadAsInetAtonReadsThem() throws {
        for form in ["127.0.0.1", "127.1", "127.0.1", "0x7f000001", "0X7F.0.0.1", "2130706433", "0177.0.0.1", "[127.0.0.1]"] {
            #expect(IPAddress(form)?.description == "127.0.0.1", "\(form)")
        }
        #expect(IPAddress("169.254.43518")?.description == "169.254.169.254")
        for notLiteral in ["256.0.0.1", "1.2.3.4.5", "1..2.3", "08.0.0.1", "0x", "+1.2.3.4", "1.2.3.-4", "example.com", "", "127.0.0.1.", "1.2.3.256"] {
            #expect(IPAddress(notLiteral) == nil, "\(notLiteral)")
        }
    }

    @Test func ipv6LiteralsAndTheFormsThatCarryIPv4() throws {
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("[::1]")?.description == "::1")
        #expect(IPAddress("fe80::1%eth0") == nil)
        let mapped = try #require(IPAddress("::ffff:127.0.0.1"))
        #expect(mapped.bytes.count == 16 && mapped.embeddedIPv4?.description == "127.0.0.1")
        #expect(IPAddress("::ffff:7f00:1")?.embeddedIPv4?.description == "127.0.0.1")
        #expect(IPAddress("::ffff:0:a9fe:a9fe")?.embeddedIPv4?.description == "169.254.169.254")
        #expect(IPAddress("::10.0.0.1")?.embeddedIPv4?.description == "10.0.0.1")
        #expect(IPAddress("64:ff9b::c0a8:101")?.embeddedIPv4?.description == "192.168.1.1")
        #expect(IPAddress("2002:a9fe:a9fe::1")?.embeddedIPv4?.description == "169.254.169.254")
        #expect(IPAddress("2606:4700::1111")?.embeddedIPv4 == nil)
        #expect(IPAddress("8.8.8.8")?.embeddedIPv4 == nil)
    }

    @Test func nonPublicAddressesAreRefusedWithWhatTheyAre() throws {
        let policy = OutboundPolicy.publicOnly
        let refused: [(String, String)] = [
            ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("0.0.0.0", "unspecified"), ("10.9.8.7", "private"),
            ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"), ("169.254.169.254", "link-local"),
            ("100.64.0.1", "carrier-grade"), ("100.127.255.255", "carrier-grade"), ("224.0.0.251", "multicast"),
            ("255.255.255.255", "broadcast"), ("240.0.0.1", "reserved"), ("192.0.2.5", "documentation"), ("198.18.0.1", "benchmarking"),
            ("::1", "loopback"), ("::", "unspecified"), ("fc00::1", "unique local"), ("fd12:3456::1", "unique local"), ("fe80::1", "link-local"),
            ("ff02::1", "multicast"), ("2001:db8::1", "documentation"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:10.0.0.1", "private"), ("::127.0.0.1", "loopback"), ("64:ff9b::a00:1", "private"), ("2002:7f00:1::", "loopback"),
        ]
        for (text, kind) in refused {
            let address = try #require(IPAddress(text), "\(text)")
            let reason = policy.refusal(of: address)
            #expect(reason?.contains(kind) == true, "\(text): \(reason ?? "allowed")")
        }
        for text in ["8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "172.15.255.255", "100.128.0.1", "192.169.0.1", "2606:4700::1111",
            "::ffff:8.8.8.8", "64:ff9b::808:808"]
        {
            #expect(policy.refusal(of: try #require(IPAddress(text))) == nil, "\(text)")
        }
    }

    @Test func cidrRangesParseAndContain() throws {
        let ten = try #require(AddressRange("10.0.0.0/8"))
        #expect(ten.contains(try #require(IPAddress("10.255.1.2"))))
        #expect(!ten.contains(try #require(IPAddress("11.0.0.1"))))
        #expect(!ten.contains(try #require(IPAddress("::ffff:10.0.0.1"))), "another family is never in a range")
        #expect(AddressRange("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(AddressRange("172.16.0.0/12")?.contains(try #require(IPAddress("172.31.0.1"))) == true)
        #expect(AddressRange("fd00::/8")?.contains(try #require(IPAddress("fdff::1"))) == true)
        #expect(AddressRange("127.0.0.1")?.description == "127.0.0.1/32")
        #expect(AddressRange("::1")?.description == "::1/128")
        #expect(AddressRange("0.0.0.0/0")?.contains(try #require(IPAddress("8.8.8.8"))) == true)
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/8/8", "hooks.internal/8", "/8"] {
            #expect(AddressRange(bad) == nil, "\(bad)")
        }
    }

    @Test func theAllowListTakesRangesAddressesAndNames() throws {
        let policy = try OutboundPolicy(allowing: "10.0.0.0/8, hooks.Internal., 127.0.0.1,fd00::/8,,")
        #expect(policy.allowedNames == ["hooks.internal"])
        #expect(policy.allowedRanges.map(\.description) == ["10.0.0.0/8", "127.0.0.1/32", "fd00::/8"])
        #expect(policy.refusal(of: try #require(IPAddress("10.1.1.1"))) == nil)
        #expect(policy.refusal(of: try #require(IPAddress("::ffff:127.0.0.1"))) == nil, "the mapped form of an allowed address")
        #expect(policy.refusal(of: try #require(IPAddress("127.0.0.2"))) != nil)
        #expect(policy.refusal(of: try #require(IPAddress("192.168.0.1"))) != nil)
        #expect(try OutboundPolicy(allowing: "") == .publicOnly)
        for bad in ["10.0.0.0/40", "http://x", "bad host", "a..b", "10.0.0.0/8;rm"] {
            #expect(throws: OutboundPolicy.InvalidEntry.self, "\(bad)") { try OutboundPolicy(allowing: bad) }
        }
    }

    @Test func aURLIsAdmittedOnlyWhenEveryResolvedAddressPasses() async throws {
        let policy = try OutboundPolicy(allowing: "hooks.internal,10.0.0.0/8")
        func admit(_ url: String, resolvesTo addresses: [String] = []) async throws -> OutboundPolicy.Admission {
            try await policy.admit(URL(string: url)!) { _ in addresses.map { IPAddress($0)! } }
        }
        #expect(try await admit("https://93.184.216.34/x") == .direct)
        #expect(try await admit("http://hooks.internal/x", resolvesTo: ["127.0.0.1"]) == .direct, "allowed by name, whatever it resolves to")
        #expect(try await admit("https://example.com/x", resolvesTo: ["93.184.216.34", "2606:2800::1"])
            == .pinned(host: "example.com", address: IPAddress("93.184.216.34")!))
        #expect(try await admit("https://internal.example/x", resolvesTo: ["10.2.3.4"]) == .pinned(host: "internal.example", address: IPAddress("10.2.3.4")!))
        let refusals: [(String, [String], String)] = [
            ("http://127.0.0.1/", [], "loopback"), ("http://0x7f000001/", [], "loopback"), ("http://[::ffff:127.0.0.1]/", [], "loopback"),
            ("http://[::1]:8080/", [], "loopback"), ("https://rebind.example/", ["93.184.216.34", "169.254.169.254"], "link-local"),
            ("https://localhost/", ["127.0.0.1", "::1"], "loopback"), ("ftp://93.184.216.34/", [], "http"), ("https://nothing.example/", [], "no address"),
        ]
        for (url, addresses, reason) in refusals {
            await #expect(throws: OutboundRefusal.self, "\(url)") { _ = try await admit(url, resolvesTo: addresses) }
            do {
                _ = try await admit(url, resolvesTo: addresses)
            } catch let refusal as OutboundRefusal {
                #expect(refusal.reason.contains(reason), "\(url): \(refusal.reason)")
            }
        }
    }

    @Test func configurationJudgesLiteralAddressesAndLocalhostOnly() throws {
        let policy = OutboundPolicy.publicOnly
        for url in ["http://127.0.0.1:9/h", "http://localhost/h", "http://LOCALHOST./h", "http://app.localhost/h", "http://[::1]/h",
            "http://0x7f000001/h", "http://169.254.169.254/latest", "http://[::ffff:10.0.0.1]/h"]
        {
            #expect(policy.refusalAtConfiguration(URL(string: url)!) != nil, "\(url)")
        }
        for url in ["https://hooks.example.com/h", "https://93.184.216.34/h", "http://internal.corp/h"] {
            #expect(policy.refusalAtConfiguration(URL(string: url)!) == nil, "\(url)")
        }
        let allowing = try OutboundPolicy(allowing: "localhost,10.0.0.0/8")
        #expect(allowing.refusalAtConfiguration(URL(string: "http://localhost:8080/h")!) == nil)
        #expect(allowing.refusalAtConfiguration(URL(string: "http://10.1.2.3/h")!) == nil)
        #expect(allowing.refusalAtConfiguration(URL(string: "http://127.0.0.1/h")!) != nil)
    }
}
