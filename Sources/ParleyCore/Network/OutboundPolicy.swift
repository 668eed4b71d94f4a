import Foundation

/// Which targets Parley's own requests to addresses outsiders choose (inbound channel media, webhooks) may reach: http
/// and https only, and after DNS resolution only public addresses (every address a name resolves to), so that such a
/// URL cannot reach Parley's host, its private network or a cloud metadata service (SSRF). Private deployments allow
/// hosts by name, or addresses and ranges in CIDR notation (`parley serve --allow-private-targets`).
public struct OutboundPolicy: Sendable, Equatable {
    /// Host names allowed whatever they resolve to (lower-case, no trailing dot).
    public let allowedNames: Set<String>
    /// Blocks allowed although they are not public.
    public let allowedRanges: [AddressRange]

    /// Public addresses only: the default.
    public static let publicOnly = OutboundPolicy(allowedNames: [], allowedRanges: [])

    public init(allowedNames: Set<String>, allowedRanges: [AddressRange]) {
        self.allowedNames = allowedNames
        self.allowedRanges = allowedRanges
    }

    /// Parses a comma-separated allow-list: addresses or CIDR ranges (`10.0.0.0/8`, `127.0.0.1`, `fd00::/8`) and host
    /// names (`hooks.internal`, `localhost`). Throws naming the first entry that is neither.
    public init(allowing list: String) throws {
        var names: Set<String> = []
        var ranges: [AddressRange] = []
        for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if let range = AddressRange(entry) {
                ranges.append(range)
            } else if let name = Self.hostName(entry) {
                names.insert(name)
            } else {
                throw InvalidEntry(entry: entry)
            }
        }
        self.init(allowedNames: names, allowedRanges: ranges)
    }

    /// An allow-list entry that is neither an address, a CIDR range nor a host name.
    public struct InvalidEntry: Error, CustomStringConvertible {
        public let entry: String
        public var description: String { "'\(entry)' is not an address, a CIDR range (10.0.0.0/8) or a host name" }
    }

    /// How a URL the policy admits is to be reached.
    public enum Admission: Sendable, Equatable {
        /// As it is: its host is an address that passed, or a name allowed as such.
        case direct
        /// Connected to `address`, the checked resolution of the name `host` (TLS still verifies `host`).
        case pinned(host: String, address: IPAddress)
    }

    /// Decides whether `url` may be requested, resolving its host with `resolve` when it is a name that is not allowed
    /// as such: every address it resolves to must pass, and the connection is then pinned to the first. Throws
    /// `OutboundRefusal`, or what `resolve` threw when the name cannot be resolved.
    public func admit(_ url: URL, resolve: (String) async throws -> [IPAddress]) async throws -> Admission {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw OutboundRefusal(host: url.host ?? "", reason: "only http and https URLs are fetched")
        }
        guard let rawHost = url.host, let host = Self.hostName(rawHost) ?? IPAddress(rawHost).map({ $0.description }) else {
            throw OutboundRefusal(host: url.host ?? "", reason: "the URL has no valid host")
        }
        if let address = IPAddress(rawHost) {
            if let reason = refusal(of: address) { throw OutboundRefusal(host: rawHost, reason: reason) }
            return .direct
        }
        if allowedNames.contains(host) { return .direct }
        let addresses = try await resolve(rawHost)
        guard let first = addresses.first else { throw OutboundRefusal(host: rawHost, reason: "\(rawHost) resolves to no address") }
        for address in addresses {
            if let reason = refusal(of: address) { throw OutboundRefusal(host: rawHost, reason: "\(rawHost) resolves to \(reason)") }
        }
        return .pinned(host: rawHost, address: first)
    }

    /// Why a webhook URL is refused when it is configured, nil when it is taken: only what needs no DNS is judged then
    /// (a literal address, `localhost`); names are checked each time they are called.
    public func refusalAtConfiguration(_ url: URL) -> String? {
        guard let rawHost = url.host else { return nil }
        if let address = IPAddress(rawHost) { return refusal(of: address) }
        guard let host = Self.hostName(rawHost), !allowedNames.contains(host) else { return nil }
        if host == "localhost" || host.hasSuffix(".localhost") { return "\(rawHost) is a loopback address (this host)" }
        return nil
    }

    /// Why `address` may not be reached ("127.0.0.1 is a loopback address"), nil when it may: it is public, or in (or,
    /// for an IPv6 form carrying an IPv4 address, carries one in) an allowed range.
    public func refusal(of address: IPAddress) -> String? {
        let candidates = [address] + [address.embeddedIPv4].compactMap { $0 }
        if candidates.contains(where: { candidate in allowedRanges.contains { $0.contains(candidate) } }) { return nil }
        return SpecialAddresses.purpose(of: address).map { "\(address) is \($0)" }
    }

    /// A host name as compared: lower-case without a trailing dot; nil when `text` is not a DNS name (letters, digits,
    /// hyphens and underscores in dot-separated labels of at most 63 characters).
    static func hostName(_ text: String) -> String? {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.count <= 253,
            labels.allSatisfy({ label in
                (1...63).contains(label.count) && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            })
        else { return nil }
        return name
    }
}

/// A request the outbound policy refused, with the reason (shown as a webhook's `last_error` and logged).
public struct OutboundRefusal: Error, CustomStringConvertible, Equatable {
    public let host: String
    public let reason: String

    public var description: String {
        "refused by the outbound address policy: \(reason); only public addresses are called unless the server allows the target (--allow-private-targets)"
    }
}
