import Hummingbird
import ParleyCore

/// `/v1/Services/{ChatServiceSid}/Media[/{MediaSid}[/Content]]`: upload, metadata, download and delete, as Twilio's
/// Media Content Service serves them. The upload body is the raw bytes with their `Content-Type`; the file name
/// comes from a `Filename` query parameter or the `Content-Disposition` header.
struct MediaController: Sendable {
    let parley: Parley

    func register(on routes: Routes) {
        routes.add("Media", post: upload)
        routes.add("Media/:mediaSid", get: fetch, delete: delete)
        routes.add("Media/:mediaSid/Content", get: content)
    }

    @Sendable func upload(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let chunks = request.body.map { buffer in Array(buffer.readableBytesView) }
        let media = try await parley.media.upload(
            context.mediaCaller(), serviceSid: context.pathParameter("chatServiceSid"), contentType: request.headers[.contentType],
            filename: Self.filename(request), body: chunks)
        return JSONResponse.make(status: .created, try context.renderer().media(media))
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let media = try await parley.media.fetch(
            context.mediaCaller(), serviceSid: context.pathParameter("chatServiceSid"), sid: context.pathParameter("mediaSid"))
        return JSONResponse.make(status: .ok, try context.renderer().media(media))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.media.delete(
            context.mediaCaller(), serviceSid: context.pathParameter("chatServiceSid"), sid: context.pathParameter("mediaSid"))
        return Response(status: .noContent)
    }

    /// The bytes, streamed from disk, with one byte range when asked (`Range: bytes=a-b`, `a-`, `-n`).
    @Sendable func content(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let media = try await parley.media.fetch(
            context.mediaCaller(), serviceSid: context.pathParameter("chatServiceSid"), sid: context.pathParameter("mediaSid"))
        guard let file = parley.media.contentFile(media) else {
            // Inbound media Parley could not fetch: send the client where it is.
            return Response(status: .found, headers: [.location: media.externalURL ?? ""])
        }
        var headers: HTTPFields = [.contentType: media.contentType, .acceptRanges: "bytes"]
        if let sha256 = media.sha256 { headers[.eTag] = "\"\(sha256)\"" }
        let fileIO = FileIO()
        guard let rangeHeader = request.headers[.range] else {
            headers[.contentLength] = String(media.size)
            return Response(status: .ok, headers: headers, body: try await fileIO.loadFile(path: file.path, context: context))
        }
        guard let range = ByteRange.parse(rangeHeader, size: media.size) else {
            headers[.contentRange] = "bytes */\(media.size)"
            throw TwilioError(status: .rangeNotSatisfiable, code: 20001, message: "Range \(rangeHeader) is not satisfiable for \(media.size) bytes")
        }
        headers[.contentLength] = String(range.upperBound - range.lowerBound + 1)
        headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(media.size)"
        return Response(
            status: .partialContent, headers: headers,
            body: try await fileIO.loadFile(path: file.path, range: Int(range.lowerBound)...Int(range.upperBound), context: context))
    }

    /// `?Filename=` or `Content-Disposition: attachment; filename="x.png"`.
    static func filename(_ request: Request) -> String? {
        if let name = request.uri.queryParameters.get("Filename") { return name }
        guard let disposition = request.headers[.contentDisposition], let range = disposition.range(of: "filename=") else { return nil }
        let value = disposition[range.upperBound...].split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return value.trimmingCharacters(in: .init(charactersIn: "\" ")).nilIfEmpty
    }
}

/// One byte range of a `Range` header, resolved against the content's size; nil when unsatisfiable or not a single
/// `bytes=` range.
enum ByteRange {
    static func parse(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst("bytes=".count)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int64(last), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int64(first), start < size else { return nil }
        guard !last.isEmpty else { return start...(size - 1) }
        guard let end = Int64(last), end >= start else { return nil }
        return start...min(end, size - 1)
    }
}

extension ParleyRequestContext {
    /// The caller of a media path, as `MediaAuthMiddleware` established it.
    func mediaCaller() throws -> MediaService.Caller {
        if let chatPrincipal { return .chat(chatPrincipal) }
        return .admin(try requirePrincipal())
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
