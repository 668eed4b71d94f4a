import Foundation
import Hummingbird
import ParleyCore

/// `/v1/Services/{ChatServiceSid}/Media[/{MediaSid}[/Content]]`: upload, metadata, download and delete, as Twilio's
/// Media Content Service serves them. The upload body is the raw bytes with their `Content-Type`; the file name
/// comes from a `Filename` query parameter or the `Content-Disposition` header.
struct MediaController: Sendable {
    let parley: Parley

    /// The paths behind `MediaAuthMiddleware`.
    func register(on routes: Routes) {
        routes.add("Media", post: upload)
        routes.add("Media/:mediaSid", get: fetch, delete: delete)
        routes.add("Media/:mediaSid/Content", get: content)
    }

    /// The temporary content path (`links.content_direct_temporary`), whose signature is its only credential: on a
    /// group without authentication middleware.
    func registerTemporaryContent(on routes: Routes) {
        routes.add("Media/:mediaSid/ContentTemporary", get: temporaryContent)
    }

    @Sendable func upload(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let chunks = request.body.map { buffer in Array(buffer.readableBytesView) }
        let caller = try context.mediaCaller()
        let media = try await parley.media.upload(
            caller, serviceSid: context.pathParameter("chatServiceSid"), contentType: request.headers[.contentType],
            filename: Self.filename(request), body: chunks)
        return try await resource(media, status: .created, caller: caller, context)
    }

    @Sendable func fetch(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let caller = try context.mediaCaller()
        let media = try await parley.media.fetch(caller, serviceSid: context.pathParameter("chatServiceSid"), sid: context.pathParameter("mediaSid"))
        return try await resource(media, status: .ok, caller: caller, context)
    }

    /// The Media resource, with a fresh temporary content URL.
    private func resource(_ media: Media, status: HTTPResponse.Status, caller: MediaService.Caller, _ context: ParleyRequestContext) async throws
        -> Response
    {
        let link = try await parley.media.temporaryLink(for: media, caller: caller)
        return JSONResponse.make(status: status, try context.renderer().media(media, temporaryLink: link))
    }

    @Sendable func delete(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        try await parley.media.delete(
            context.mediaCaller(), serviceSid: context.pathParameter("chatServiceSid"), sid: context.pathParameter("mediaSid"))
        return Response(status: .noContent)
    }

    /// The bytes, for a caller with credentials.
    @Sendable func content(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let media = try await parley.media.fetch(
            context.mediaCaller(), serviceSid: context.pathParameter("chatServiceSid"), sid: context.pathParameter("mediaSid"))
        return try await serve(media, request, context)
    }

    /// `…/ContentTemporary?Expires=<unix seconds>&Signature=<hex>`: the content, without other credentials, while the
    /// signature is right and the time has not passed (else 403).
    @Sendable func temporaryContent(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let expires = query.get("Expires").flatMap(Int64.init), let signature = query.get("Signature") else {
            throw ParleyError.mediaLinkInvalid
        }
        let media = try await parley.media.fetch(
            serviceSid: context.pathParameter("chatServiceSid"), sid: context.pathParameter("mediaSid"),
            link: MediaContentLink(expires: Timestamp(secondsSince1970: expires), signature: signature))
        return try await serve(media, request, context)
    }

    /// The bytes, streamed from disk with `MediaContentHeaders`, with one byte range when asked (`Range: bytes=a-b`,
    /// `a-`, `-n`).
    private func serve(_ media: Media, _ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        guard let file = parley.media.contentFile(media) else {
            // Inbound media Parley could not fetch: send the client where it is.
            return Response(status: .found, headers: [.location: media.externalURL ?? ""])
        }
        guard FileManager.default.fileExists(atPath: file.path) else { throw ParleyError.mediaContentMissing(sid: media.sid, path: file.path) }
        var headers = MediaContentHeaders.make(for: media)
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
