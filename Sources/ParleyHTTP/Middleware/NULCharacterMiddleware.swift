import Hummingbird
import ParleyCore

/// Refuses a request whose path or query carries U+0000 (`%00`) with 400 (20001) before any route reads it. A
/// percent-decoded NUL would reach SQLite as the end of a C string: `GET /v1/Users/bob%00zzz` would find `bob`. Form
/// bodies are checked where they are parsed (`FormParameters`), token claims where tokens are verified.
struct NULCharacterMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.carriesNUL(request.uri.string) {
            throw ParleyError.containsNUL(name: "path or query")
        }
        return try await next(request, context)
    }

    /// Whether `uri` holds `%00` (either case of the zeros is the same) or a raw NUL byte.
    static func carriesNUL(_ uri: String) -> Bool {
        var previous: (UInt8, UInt8) = (0xFF, 0xFF)
        for byte in uri.utf8 {
            if byte == 0 || (previous.0 == UInt8(ascii: "%") && previous.1 == UInt8(ascii: "0") && byte == UInt8(ascii: "0")) { return true }
            previous = (previous.1, byte)
        }
        return false
    }
}
