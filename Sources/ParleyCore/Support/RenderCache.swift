import Synchronization

/// Serialized forms of one value, by the variant of rendering that made them (base URL, Service scope...).
///
/// One change is delivered to every connected member as its own event; they all share a cache so that a
/// thousand connections rendering the same message serialize it once per variant, not a thousand times.
public final class RenderCache: Sendable {
    private let entries = Mutex<[String: [UInt8]]>([:])

    public init() {}

    /// The bytes rendered for `variant`, rendering them with `render` the first time.
    public func bytes(for variant: String, render: () -> [UInt8]) -> [UInt8] {
        if let cached = entries.withLock({ $0[variant] }) { return cached }
        let rendered = render()
        entries.withLock { $0[variant] = rendered }
        return rendered
    }
}
