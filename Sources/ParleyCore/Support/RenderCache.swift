import Synchronization

/// Serialized forms of one change's events, by a key naming the event and the variant of rendering that made them
/// (base URL, Service scope...).
///
/// A change reaches every connected member; the events it made share one cache, so a thousand connections sending
/// the same message serialize it once per variant, not a thousand times. The cache lives as long as its events.
public final class RenderCache: Sendable {
    private let entries = Mutex<[String: [UInt8]]>([:])

    public init() {}

    /// The bytes rendered for `key`, rendering them with `render` the first time (two connections asking at once
    /// may both render; either result is the same).
    public func bytes(for key: String, render: () -> [UInt8]) -> [UInt8] {
        if let cached = entries.withLock({ $0[key] }) { return cached }
        let rendered = render()
        entries.withLock { $0[key] = rendered }
        return rendered
    }
}
