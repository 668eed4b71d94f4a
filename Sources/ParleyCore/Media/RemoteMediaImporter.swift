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

/// Remote media fetched ahead of the transaction that records it: its content waiting in `incoming/`, or none when
/// it is to be kept as a reference.
public struct FetchedMedia: Sendable {
    public let remote: RemoteMedia
    let received: MediaFiles.Received?
    let contentType: String
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
        let fetched = await prefetch(remote, http: http, credentials: credentials, timeout: timeout)
        let files = self.files
        let now = self.now()
        do {
            return try await store.write { tx in
                try Self.record(fetched, serviceSid: serviceSid, author: author, files: files, now: now, tx: tx)
            }
        } catch {
            discard([fetched])
            throw error
        }
    }

    /// Fetches remote media before a transaction records it (`record`); never throws: what cannot be fetched is
    /// recorded as a reference.
    public func prefetch(
        _ remote: RemoteMedia, http: HTTPClient, credentials: (user: String, password: String)? = nil, timeout: Duration = .seconds(10)
    ) async -> FetchedMedia {
        if let fetched = try? await fetch(remote, http: http, credentials: credentials, timeout: timeout) {
            return FetchedMedia(remote: remote, received: fetched.received, contentType: fetched.contentType)
        }
        return FetchedMedia(remote: remote, received: nil, contentType: remote.contentType ?? "application/octet-stream")
    }

    /// Drops prefetched content that will not be recorded.
    public func discard(_ fetched: [FetchedMedia]) {
        for item in fetched { if let received = item.received { files.discard(received) } }
    }

    /// Records prefetched media in `tx`: its row, and its content moved to its address (or the URL as a reference).
    static func record(_ fetched: FetchedMedia, serviceSid: String, author: String, files: MediaFiles, now: Timestamp, tx: StoreTransaction) throws
        -> Media
    {
        let media = Media(
            sid: SID.make(.media, now: now), serviceSid: serviceSid, contentType: fetched.contentType, filename: filename(of: fetched.remote.url),
            size: fetched.received?.size ?? 0, sha256: fetched.received?.sha256,
            externalURL: fetched.received == nil ? fetched.remote.url : nil, author: author, dateCreated: now, dateUpdated: now)
        try tx.insert(media)
        if let received = fetched.received { try files.place(received) }
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
