import Hummingbird

/// Registers the API path by path. A method a path does not serve answers 405 in Twilio's error
/// shape; a path that is not registered at all answers 404 (`TwilioErrorMiddleware`).
struct Routes {
    typealias Handler = @Sendable (Request, ParleyRequestContext) async throws -> Response

    let group: RouterGroup<ParleyRequestContext>

    /// Whether methods a path does not serve get their 405 route; false only while `servedRoutes` lists what is served.
    @TaskLocal static var answersUnservedMethods = true

    func add(_ path: String, get: Handler? = nil, post: Handler? = nil, delete: Handler? = nil) {
        let handlers: [(HTTPRequest.Method, Handler?)] = [(.get, get), (.post, post), (.delete, delete), (.put, nil), (.patch, nil)]
        for (method, handler) in handlers {
            if let handler {
                group.on(RouterPath(path), method: method, use: handler)
            } else if Self.answersUnservedMethods {
                group.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw TwilioError.methodNotAllowed(request.method, request.uri.path)
                }
            }
        }
    }
}
