/// The address blocks that are not the public internet (IANA's special-purpose registries): loopback, private networks,
/// link-local (cloud metadata services live at 169.254.169.254), shared CGNAT space, multicast, reserved and
/// documentation blocks. Parley's outbound requests refuse them unless the operator allows them.
enum SpecialAddresses {
    /// Each block with what it is, as said in a refusal ("127.0.0.1 is a loopback address").
    static let blocks: [(range: AddressRange, purpose: String)] = [
        ("0.0.0.0/8", "an unspecified (\"this network\") address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address (the cloud metadata service's range)"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a 6to4 relay address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "the broadcast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/128", "the unspecified address"),
        ("::1/128", "a loopback address"),
        ("64:ff9b:1::/48", "a local NAT64 address"),
        ("100::/64", "a discard-only address"),
        ("2001::/23", "an IETF protocol address"),
        ("2001:db8::/32", "a documentation address"),
        ("3fff::/20", "a documentation address"),
        ("5f00::/16", "a segment-routing address"),
        ("fc00::/7", "a private (unique local) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    ].map { (AddressRange($0.0)!, $0.1) }

    /// What `address` is when it is not a public one, nil when it is public. An IPv6 form that carries an IPv4 address
    /// (mapped, compatible, NAT64, 6to4) is judged by that address too.
    static func purpose(of address: IPAddress) -> String? {
        for candidate in [address] + [address.embeddedIPv4].compactMap({ $0 }) {
            if let block = blocks.first(where: { $0.range.contains(candidate) }) { return block.purpose }
        }
        return nil
    }
}
