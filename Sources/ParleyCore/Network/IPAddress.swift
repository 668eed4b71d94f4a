#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, as its 4 or 16 bytes. Parsed the way the system's resolver reads a literal host, so that
/// what the outbound policy checks is what a connection would reach.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), network order.
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16)
        self.bytes = bytes
    }

    /// A literal address, nil when `text` is not one: IPv4 in every form `inet_aton` (and so `getaddrinfo` and the
    /// HTTP client) accepts (`127.0.0.1`, `127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`), or IPv6 with or without
    /// the brackets of a URL host (`[::1]`). A zone (`fe80::1%eth0`) is not taken.
    public init?(_ text: String) {
        var literal = Substring(text)
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = literal.dropFirst().dropLast() }
        if let bytes = Self.parseIPv4(literal) ?? Self.parseIPv6(String(literal)) {
            self.bytes = bytes
        } else {
            return nil
        }
    }

    /// The IPv4 address an IPv6 address carries, for the forms that reach it: IPv4-mapped (`::ffff:a.b.c.d`),
    /// IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4
    /// (`2002:AABB:CCDD::/48`). Nil for IPv4 and for other IPv6 addresses.
    public var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        let head = bytes[0..<12]
        let zeros = [UInt8](repeating: 0, count: 10)
        if head.elementsEqual(zeros + [0xFF, 0xFF]) || head.elementsEqual(zeros.prefix(8) + [0xFF, 0xFF, 0, 0])
            || head.elementsEqual(zeros + [0, 0]) || head.elementsEqual([0, 0x64, 0xFF, 0x9B] + zeros.prefix(8))
        {
            return IPAddress(bytes: Array(bytes[12..<16]))
        }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return IPAddress(bytes: Array(bytes[2..<6])) }
        return nil
    }

    /// Dotted quad for IPv4, RFC 5952 text for IPv6.
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `inet_aton`'s grammar: one to four parts separated by dots, each decimal, octal (leading `0`) or hex (`0x`);
    /// the last part fills the bytes left (`127.1` is 127.0.0.1).
    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt32] = []
        for part in parts {
            guard !part.contains(where: { $0 == "+" || $0 == "-" }) else { return nil }  // which `UInt32(_:radix:)` would take
            let lower = part.lowercased()
            let value: UInt32?
            if lower.hasPrefix("0x") {
                value = lower.count > 2 ? UInt32(lower.dropFirst(2), radix: 16) : nil
            } else if lower.count > 1, lower.hasPrefix("0") {
                value = UInt32(lower.dropFirst(), radix: 8)
            } else {
                value = UInt32(lower, radix: 10)
            }
            guard let value else { return nil }
            values.append(value)
        }
        guard values.dropLast().allSatisfy({ $0 < 256 }) else { return nil }
        let lastBits = 8 * (5 - values.count)
        guard lastBits == 32 || values[values.count - 1] < (UInt32(1) << lastBits) else { return nil }
        var number = values[values.count - 1]
        for (position, value) in values.dropLast().enumerated() { number |= value << (24 - 8 * position) }
        return [UInt8(number >> 24), UInt8(number >> 16 & 0xFF), UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF)]
    }

    /// IPv6 text as `inet_pton` reads it.
    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: address) { Array($0) }
    }
}
