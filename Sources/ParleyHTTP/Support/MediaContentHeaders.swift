import Hummingbird
import ParleyCore

/// The headers media content is served with, so that bytes a user uploaded never run as part of Parley's origin:
/// the stored type re-checked (a malformed one, from before types were normalized, is served as opaque bytes),
/// `X-Content-Type-Options: nosniff` so browsers keep to that type, a sandboxing `Content-Security-Policy` that
/// allows nothing to load or run, and `Content-Disposition`: `inline` only for types safe to display
/// (`MediaContentType.isSafeInline`), `attachment` (a download) for everything else.
enum MediaContentHeaders {
    static let contentSecurityPolicy = "sandbox; default-src 'none'"

    static func make(for media: Media) -> HTTPFields {
        let type = MediaContentType(parsing: media.contentType)
        var headers: HTTPFields = [
            .contentType: type?.description ?? "application/octet-stream",
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: contentSecurityPolicy,
            .contentDisposition: disposition(inline: type?.isSafeInline ?? false, filename: media.filename),
            .acceptRanges: "bytes",
        ]
        if let sha256 = media.sha256 { headers[.eTag] = "\"\(sha256)\"" }
        return headers
    }

    /// `inline` or `attachment`, with the file name as a quoted ASCII `filename` (other characters, `"` and `\` become
    /// `_`) and, when that lost anything, the exact name as RFC 8187 `filename*`.
    static func disposition(inline: Bool, filename: String?) -> String {
        var value = inline ? "inline" : "attachment"
        guard let filename else { return value }
        let ascii = String(String.UnicodeScalarView(filename.unicodeScalars.map { scalar in
            (0x20..<0x7F).contains(scalar.value) && scalar != "\"" && scalar != "\\" ? scalar : "_"
        }))
        value += "; filename=\"\(ascii)\""
        if ascii != filename { value += "; filename*=UTF-8''\(PercentEncoding.encode(filename))" }
        return value
    }
}
