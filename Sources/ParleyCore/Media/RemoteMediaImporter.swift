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
    /// Most redirects followed (by hand, each hop admitted by the outbound policy again) when fetching remote media.
    static let maximumRedirects = 3

    /// Brings channel media into Parley: fetched (streamed, within the media limits) and stored as Parley media, so
    /// it outlives the sender's URL; kept as an external reference (`external_url`, no content) when it cannot be
    /// fetched within `timeout`, is too large, of a type not on the allow-list, or its address is refused by the
    /// outbound policy. The result is unattached, ready for a message.
    /// - Parameter credentials: HTTP Basic credentials for the URL (Twilio's media URLs may require the account's);
    ///   sent to the URL's own origin only, never to one it redirects to.
    public func importRemote(
        _ remote: RemoteMedia, serviceSid: String, author: String, outbound: OutboundHTTP, credentials: (user: String, password: String)? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Media {
        let fetched = await prefetch(remote, outbound: outbound, credentials: credentials, timeout: timeout)
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

    /// Fetches remote media before a transaction records it (`record`); never throws: what cannot be fetched within
    /// `timeout` (the whole fetch: resolution, redirects, head and body) is recorded as a reference.
    public func prefetch(
        _ remote: RemoteMedia, outbound: OutboundHTTP, credentials: (user: String, password: String)? = nil, timeout: Duration = .seconds(10)
    ) async -> FetchedMedia {
        let files = self.files
        let fetched = await withTimeLimit(timeout, discarding: { if let received = $0?.received { files.discard(received) } }) {
            try? await self.fetch(remote, outbound: outbound, credentials: credentials)
        }
        if let fetched = fetched ?? nil {
            return FetchedMedia(remote: remote, received: fetched.received, contentType: fetched.contentType)
        }
        return FetchedMedia(remote: remote, received: nil, contentType: remote.contentType ?? "application/octet-stream")
    }

    /// Fetches several items at once, all within `budget`, in their order; what is not fetched by then is kept as a
    /// reference.
    public func prefetch(_ items: [RemoteMedia], outbound: OutboundHTTP, within budget: Duration) async -> [FetchedMedia] {
        await withTaskGroup(of: (Int, FetchedMedia).self) { group in
            for (index, item) in items.enumerated() {
                group.addTask { (index, await self.prefetch(item, outbound: outbound, timeout: budget)) }
            }
            var fetched: [FetchedMedia?] = Array(repeating: nil, count: items.count)
            for await (index, item) in group { fetched[index] = item }
            return fetched.compactMap { $0 }
        }
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

    /// The remote content, received into `incoming/`, following at most `maximumRedirects` redirects, each admitted by
    /// the outbound policy; throws when it cannot or may not be stored.
    private func fetch(_ remote: RemoteMedia, outbound: OutboundHTTP, credentials: (user: String, password: String)?) async throws
        -> (received: MediaFiles.Received, contentType: String)
    {
        guard let origin = URL(string: remote.url) else { throw RemoteMediaError.invalidURL }
        var url = origin
        for _ in 0...Self.maximumRedirects {
            var request = HTTPClientRequest(url: url.absoluteString)
            if let credentials, Self.sameOrigin(url, origin) {
                request.headers.add(name: "Authorization", value: "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString())
            }
            let step = try await outbound.execute(request, purpose: "inbound media", timeout: .seconds(10)) { response -> FetchStep in
                if (300..<400).contains(response.status.code) {
                    guard let location = response.headers.first(name: "Location"), let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                        throw RemoteMediaError.status(Int(response.status.code))
                    }
                    return .redirect(next)
                }
                return .fetched(try await receive(response, remote: remote))
            }
            switch step {
            case .fetched(let fetched): return fetched
            case .redirect(let next): url = next
            }
        }
        throw RemoteMediaError.tooManyRedirects
    }

    /// What one request of a fetch came to.
    private enum FetchStep {
        case fetched((received: MediaFiles.Received, contentType: String))
        case redirect(URL)
    }

    /// Receives a final answer's body, when its status, type and size allow.
    private func receive(_ response: HTTPClientResponse, remote: RemoteMedia) async throws -> (received: MediaFiles.Received, contentType: String) {
        guard (200..<300).contains(response.status.code) else { throw RemoteMediaError.status(Int(response.status.code)) }
        guard let contentType = response.headers.first(name: "Content-Type") ?? remote.contentType, limits.allows(contentType: contentType) else {
            throw RemoteMediaError.contentTypeNotAllowed
        }
        let received = try await files.receive(response.body.map { Array($0.readableBytesView) }, maxBytes: limits.maxItemBytes)
        // A body cut short by cancellation (the time limit) may end like a complete one.
        guard received.size > 0, !Task.isCancelled else {
            files.discard(received)
            throw received.size > 0 ? CancellationError() : RemoteMediaError.empty
        }
        return (received, contentType)
    }

    /// Whether two URLs share scheme, host and port (credentials go to the first URL's origin only).
    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && a.port == b.port
    }

    /// The last path component of a URL when it looks like a file name (`.../cat.png`), else nil.
    static func filename(of url: String) -> String? {
        guard let last = URL(string: url)?.lastPathComponent, last.contains("."), (try? validateFilename(last)) != nil else { return nil }
        return last
    }
}

/// Why remote media was kept as a reference instead of being stored.
enum RemoteMediaError: Error {
    case invalidURL
    case status(Int)
    case contentTypeNotAllowed
    case empty
    case tooManyRedirects
}
