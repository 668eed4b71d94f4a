import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Parley's HTTP client for URLs outsiders choose (inbound channel media, webhooks). Each request is first admitted by
/// the `OutboundPolicy`; it then goes to the address that was checked (a resolved name is pinned with the client's DNS
/// override, which still verifies TLS against the name, so DNS cannot answer differently between check and connect);
/// and no redirect is ever followed by the client: a 3xx is an answer like any other, for the caller to judge.
public struct OutboundHTTP: Sendable {
    public let policy: OutboundPolicy
    let logger: Logger
    /// How host names are resolved before they are checked; the connection then goes to the address it gave.
    let resolve: @Sendable (String) async throws -> [IPAddress]

    /// - Parameter resolve: the system's resolver by default; a test may answer for names itself.
    public init(
        policy: OutboundPolicy = .publicOnly, logger: Logger = Logger(label: "parley.outbound"),
        resolve: @escaping @Sendable (String) async throws -> [IPAddress] = HostResolver.resolve
    ) {
        self.policy = policy
        self.logger = logger
        self.resolve = resolve
    }

    /// Sends `request` when the policy admits its URL and hands the answer to `read` (the body must be read there: a
    /// pinned connection closes after it). `timeout` bounds the wait for the answer's head; bound the whole exchange
    /// with `withTimeLimit`. A refusal is logged as a warning and thrown as `OutboundRefusal`.
    public func execute<T>(
        _ request: HTTPClientRequest, purpose: String, timeout: Duration, read: (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        guard let url = URL(string: request.url) else { throw OutboundRefusal(host: "", reason: "\(request.url) is not a URL") }
        let admission: OutboundPolicy.Admission
        do {
            admission = try await policy.admit(url, resolve: resolve)
        } catch let refusal as OutboundRefusal {
            logger.warning("outbound request refused", metadata: ["purpose": "\(purpose)", "host": "\(refusal.host)", "reason": "\(refusal.reason)"])
            throw refusal
        }
        switch admission {
        case .direct:
            return try await read(try await Self.client.execute(request, timeout: .init(timeout)))
        case .pinned(let host, let address):
            var configuration = Self.configuration
            configuration.dnsOverride = [host: address.description]
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            do {
                let result = try await read(try await client.execute(request, timeout: .init(timeout)))
                try? await client.shutdown()
                return result
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    /// No redirects followed, a bounded connect.
    static var configuration: HTTPClient.Configuration {
        HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
    }

    /// The pooled client for requests that need no pinning (a checked literal address, an allowed name); it lives as
    /// long as the process, like `HTTPClient.shared`, but never follows a redirect.
    static let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
