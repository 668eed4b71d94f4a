import Hummingbird

/// Builds `application/json` responses from `JSONValue` documents.
enum JSONResponse {
    static func make(status: HTTPResponse.Status, _ body: JSONValue) -> Response {
        let buffer = ByteBuffer(bytes: body.utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(buffer.readableBytes)],
            body: ResponseBody(byteBuffer: buffer))
    }

    /// 204 with no body: what Twilio answers to a delete.
    static let noContent = Response(status: .noContent)
}
