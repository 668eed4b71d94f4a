import AsyncHTTPClient
import Foundation
import NIOCore

/// Media a channel sent by reference (an inbound webhook's `MediaUrlN` and `MediaContentTypeN`).
public struct RemoteMedia: Sendable, Equatable {
    public var url: String
    /// The type the sender declared; the fetched response's own `Content-Type` wins.
    public var contentType: String?

    public init(url: String, contentType: String?) {
        self.url = url
        self.contentType = contentType
    }
}

extension MediaService {
    /// Brings channel media into Parley: fetched (streamed, within the media limits) and stored as Parley media, so
    /// it outlives the sender's URL; kept as an external reference (`external_url`, no content) when it cannot be
    /// fetched, is too large or of a type not on the allow-list. The result is unattached, ready for a message.
    /// - Parameter credentials: HTTP Basic credentials for the URL (Twilio's media URLs may require the account's).
    public func importRemote(
        _ remote: RemoteMedia, serviceSid: String, author: String, http: HTTPClient, credentials: (user: String, password: String)? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Media {
        if let fetched = try? await fetch(remote, http: http, credentials: credentials, timeout: timeout) {
            return try await record(
                fetched.received, serviceSid: serviceSid, contentType: fetched.contentType, filename: Self.filename(of: remote.url), author: author)
        }
        let now = self.now()
        let media = Media(
            sid: SID.make(.media, now: now), serviceSid: serviceSid, contentType: remote.contentType ?? "application/octet-stream",
            filename: Self.filename(of: remote.url), size: 0, sha256: nil, externalURL: remote.url, author: author, dateCreated: now,
            dateUpdated: now)
        try await store.write { tx in try tx.insert(media) }
        return media
    }

    /// The remote content, received into `incoming/`; throws when it cannot or may not be stored.
    private func fetch(_ remote: RemoteMedia, http: HTTPClient, credentials: (user: String, password: String)?, timeout: Duration) async throws
        -> (received: MediaFiles.Received, contentType: String)
    {
        var request = HTTPClientRequest(url: remote.url)
        if let credentials {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString())
        }
        let response = try await http.execute(request, timeout: .init(timeout))
        guard (200..<300).contains(response.status.code) else { throw RemoteMediaError.status(Int(response.status.code)) }
        guard let contentType = response.headers.first(name: "Content-Type") ?? remote.contentType, limits.allows(contentType: contentType) else {
            throw RemoteMediaError.contentTypeNotAllowed
        }
        let received = try await files.receive(response.body.map { Array($0.readableBytesView) }, maxBytes: limits.maxItemBytes)
        guard received.size > 0 else {
            files.discard(received)
            throw RemoteMediaError.empty
        }
        return (received, contentType)
    }

    /// The last path component of a URL when it looks like a file name (`.../cat.png`), else nil.
    static func filename(of url: String) -> String? {
        guard let last = URL(string: url)?.lastPathComponent, last.contains("."), (try? validateFilename(last)) != nil else { return nil }
        return last
    }
}

/// Why remote media was kept as a reference instead of being stored.
enum RemoteMediaError: Error {
    case status(Int)
    case contentTypeNotAllowed
    case empty
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
