import Hummingbird
import ParleyCore

/// One operation the HTTP router serves: a method on a path in Hummingbird's syntax (`/v1/Conversations/:conversationSid`).
public struct ServedRoute: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let method: String
    public let path: String

    public init(method: String, path: String) {
        self.method = method
        self.path = path
    }

    /// `GET /v1/Conversations/:conversationSid`, the form `parley routes` prints.
    public var description: String { "\(method) \(path)" }

    public static func < (lhs: ServedRoute, rhs: ServedRoute) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
}

/// Every operation the HTTP router serves, read from Hummingbird's own route table of a router built over an empty
/// in-memory store, so the list cannot fall behind the code. A method a path answers only with 405 is not served, and is
/// left out; so are the WebSocket upgrade (its own router) and `/metrics` (present only with metrics on).
/// `parley routes` prints this list, and the fuzzer's cut of the OpenAPI description (tools/fuzz) is made from it.
public func servedRoutes() throws -> [ServedRoute] {
    let parley = Parley(store: try Store.inMemory())
    let router = Routes.$answersUnservedMethods.withValue(false) { buildRouter(parley: parley, settings: ServerSettings()) }
    return router.routes.map { ServedRoute(method: $0.method.rawValue, path: $0.path.description) }.sorted()
}
