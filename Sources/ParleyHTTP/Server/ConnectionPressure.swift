import Synchronization

/// The HTTP connections open now, shared by every connection's guard. Once they reach three quarters of the cap,
/// a connection with no request in progress is closed after `idleUnderPressure` of silence instead of the idle
/// timeout: otherwise an idle flood holds the cap and new clients wait in the listen backlog for the whole idle
/// timeout (with 256 descriptors, 300 idle sockets kept `/healthz` waiting 75 s).
final class ConnectionPressure: Sendable {
    /// How long an idle connection may stay silent while connections are near the cap.
    static let idleUnderPressure: Duration = .seconds(2)

    private let open = Atomic<Int>(0)
    let threshold: Int

    init(maxConnections: Int) {
        threshold = max(1, maxConnections * 3 / 4)
    }

    func opened() { open.add(1, ordering: .relaxed) }
    func closed() { open.subtract(1, ordering: .relaxed) }

    /// Whether connections are near the cap.
    var isHigh: Bool { open.load(ordering: .relaxed) >= threshold }
}
