import HTTPTypes
import Hummingbird

/// Cross-origin access to the media paths (`/v1/Services/{IS}/Media…`, `…/MediaSet`), which Twilio's JavaScript SDK
/// calls straight from the browser page (upload, metadata, temporary URLs, content), so from another origin than
/// Parley's. Any origin may call them: the credential is the `X-Twilio-Token` header or a signed temporary URL, never a
/// cookie, so a foreign page gains nothing it could not do without a browser. Preflights (`OPTIONS` with `Origin`) are
/// answered here, before routing. Other paths get no CORS headers: the admin API is not for browsers.
struct MediaCORSMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext

    private let cors = CORSMiddleware<Context>(
        allowOrigin: .all,
        allowHeaders: [.accept, .authorization, .contentType, .origin, .range, .contentDisposition, HTTPField.Name("X-Twilio-Token")!],
        allowMethods: [.get, .head, .post, .delete, .options],
        exposedHeaders: ["Content-Length", "Content-Range", "Content-Disposition"],
        maxAge: .seconds(600))

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isMediaPath(request.uri.path) else { return try await next(request, context) }
        return try await cors.handle(request, context: context, next: next)
    }

    /// `/v1/Services/{IS}/Media`, `/Media/…` and `/MediaSet`.
    static func isMediaPath(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return segments.count >= 4 && segments[0] == "v1" && segments[1] == "Services" && (segments[3] == "Media" || segments[3] == "MediaSet")
    }
}
