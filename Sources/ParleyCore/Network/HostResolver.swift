import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves host names with the system resolver (`getaddrinfo`, as the HTTP client would), so the outbound policy
/// sees every address a name has. The blocking call runs on a Dispatch queue, off Swift's cooperative threads; a
/// cancelled caller stops waiting at once (the lookup finishes on its own and its answer is dropped).
public enum HostResolver {
    /// A name the resolver could not resolve, with its reason ("Name or service not known").
    struct Failure: Error, CustomStringConvertible {
        let host: String
        let code: Int32
        var description: String { "\(host) could not be resolved: \(String(cString: gai_strerror(code)))" }
    }

    /// Every address of `host`, in the resolver's order.
    @Sendable public static func resolve(_ host: String) async throws -> [IPAddress] {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard waiter.start(continuation) else { return }
                DispatchQueue.global(qos: .userInitiated).async { waiter.finish(Result { try lookUp(host) }) }
            }
        } onCancel: {
            waiter.finish(.failure(CancellationError()))
        }
    }

    /// The addresses of `host`, without duplicates, in the resolver's order.
    private static func lookUp(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { throw Failure(host: host, code: status) }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var next = list
        while let entry = next?.pointee {
            next = entry.ai_next
            guard let socketAddress = entry.ai_addr else { continue }
            let address: IPAddress
            switch Int32(entry.ai_family) {
            case AF_INET:
                let ipv4 = UnsafeRawPointer(socketAddress).load(as: sockaddr_in.self)
                address = IPAddress(bytes: withUnsafeBytes(of: ipv4.sin_addr) { Array($0) })
            case AF_INET6:
                let ipv6 = UnsafeRawPointer(socketAddress).load(as: sockaddr_in6.self)
                address = IPAddress(bytes: withUnsafeBytes(of: ipv6.sin6_addr) { Array($0) })
            default:
                continue
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }

    /// Resumes a continuation exactly once: with the lookup's answer or with cancellation, whichever comes first.
    private final class Waiter: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<[IPAddress], any Error>?, cancelled: Bool)>((nil, false))

        /// Keeps `continuation`; false (having resumed it) when the caller was cancelled before it arrived.
        func start(_ continuation: CheckedContinuation<[IPAddress], any Error>) -> Bool {
            let cancelled = state.withLock { state in
                if !state.cancelled { state.continuation = continuation }
                return state.cancelled
            }
            if cancelled { continuation.resume(throwing: CancellationError()) }
            return !cancelled
        }

        func finish(_ result: Result<[IPAddress], any Error>) {
            let continuation = state.withLock { state in
                if case .failure(let error) = result, error is CancellationError { state.cancelled = true }
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(with: result)
        }
    }
}
