/// A block of addresses in CIDR notation (`10.0.0.0/8`, `fc00::/7`); a bare address is a block of one.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address/length` or a bare address; nil when it is neither (or the length does not fit the family).
    /// Host bits are cleared, so `10.1.2.3/8` is `10.0.0.0/8`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(String(parts[0])) else { return nil }
        let bits = address.bytes.count * 8
        let length: Int
        if parts.count == 2 {
            guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let parsed = Int(parts[1]), (0...bits).contains(parsed) else { return nil }
            length = parsed
        } else {
            length = bits
        }
        self.init(network: address, prefixLength: length)
    }

    init(network: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.network = IPAddress(bytes: Self.masked(network.bytes, to: prefixLength))
    }

    /// Whether `address` lies in this block (addresses of the other family never do).
    public func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == network.bytes.count && Self.masked(address.bytes, to: prefixLength) == network.bytes
    }

    public var description: String { "\(network)/\(prefixLength)" }

    /// `bytes` with every bit after the first `length` cleared.
    private static func masked(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = min(8, max(0, length - index * 8))
            return kept == 8 ? byte : byte & ~(UInt8.max >> kept)
        }
    }
}
