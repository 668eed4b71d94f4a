import Hummingbird
import Logging
import NIOHTTP1
import ParleyCore

/// Turns every failure into Twilio's error body, and sets the base URL for absolute links.
/// Domain errors map through `TwilioError.init(_:)`; anything unexpected is logged and answered as a 500.
struct TwilioErrorMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    /// The URL clients reach Parley at, when it differs from the request's Host (behind a proxy).
    let publicURL: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.baseURL = publicURL ?? "http://\(request.head.authority ?? "localhost")"
        do {
            return try await next(request, context)
        } catch let error as TwilioError {
            return try error.response(from: request, context: context)
        } catch let error as ParleyError {
            return try TwilioError(error).response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            return try TwilioError.unknownPath(request.uri.path).response(from: request, context: context)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return try TwilioError(.bodyTooLarge(limit: context.maxUploadSize)).response(from: request, context: context)
        } catch let error as HTTPError {
            return try TwilioError(status: error.status, code: Int(error.status.code), message: error.body ?? error.status.reasonPhrase)
                .response(from: request, context: context)
        } catch let error as HTTPParserError {
            // The request's input broke off or went bad mid-body (the client hung up, or timed out): not a server fault.
            context.logger.debug("request input failed", metadata: ["error": "\(error)"])
            return try TwilioError(error).response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return try TwilioError.internalError.response(from: request, context: context)
        }
    }
}
