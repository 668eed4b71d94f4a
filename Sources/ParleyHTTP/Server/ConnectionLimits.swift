#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How long an HTTP connection may wait on its client, and how many connections are served at once.
///
/// A client that stalls (a head sent a byte at a time, a body shorter than its Content-Length, a keep-alive
/// connection never reused) would otherwise hold a connection, and a file descriptor, forever.
/// WebSockets are not subject to these timeouts: their liveness is the server's ping.
public struct ConnectionLimits: Sendable, Equatable {
    /// From the first byte of a request head until the head is complete; past it the request is answered 408 and closed.
    public var headerTimeout: Duration
    /// The longest a request body may go without a byte arriving; past it the request is answered 408 and closed.
    public var bodyTimeout: Duration
    /// The longest a connection may wait, with nothing received, for its next (or first) request; then it is closed.
    public var idleTimeout: Duration
    /// Connections served at once (WebSockets included); further ones wait in the listen backlog until one closes.
    public var maxConnections: Int

    /// Header lines a request may carry (Apache's default); more are answered 431.
    public static let maxHeaderLines = 100
    /// Bytes one header line, and all header lines together, may take (Hummingbird's default); more are answered 431.
    public static let maxHeaderBytes = 80 * 1024
    /// Descriptors kept free of connections for the database, its WAL, media files and outgoing requests.
    public static let reservedDescriptors = 128

    public init(
        headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(75),
        maxConnections: Int = 4096
    ) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// `maxConnections` lowered, if need be, so that connections leave `reservedDescriptors` of `openFileLimit` free.
    public func fitting(openFileLimit: Int) -> ConnectionLimits {
        var fitted = self
        fitted.maxConnections = max(1, min(maxConnections, openFileLimit - Self.reservedDescriptors))
        return fitted
    }

    /// The process's soft limit on open files (RLIMIT_NOFILE; `Int.max` when unlimited), or nil when it cannot be read.
    public static func openFileLimit() -> Int? {
        #if canImport(Glibc)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return Int(clamping: limit.rlim_cur)
    }
}
