import Foundation

/// Media (Twilio's Media Content Service, `/v1/Services/{IS}/Media`): uploads streamed to content-addressed files,
/// their metadata, attaching them to messages, and removing content nobody references any more.
public struct MediaService: Sendable {
    let store: Store
    let files: MediaFiles
    public let limits: MediaLimits
    let now: @Sendable () -> Timestamp

    /// The folder media files live in (`objects/`, `incoming/`, `trash/`), for tools and tests that look at the files.
    public var root: URL { files.root }

    /// Who uploads or manages media: an admin credential (author `system`), or a chat user (author = identity,
    /// limited to the token's Service and, for deletes, to their own uploads).
    public enum Caller: Sendable {
        case admin(Principal)
        case chat(ChatPrincipal)

        var accountSid: String {
            switch self {
            case .admin(let principal): principal.accountSid
            case .chat(let user): user.accountSid
            }
        }
    }

    /// Streams an upload into storage and records it. The body is never held in memory whole; one over
    /// `limits.maxItemBytes` is refused while it arrives.
    public func upload<Chunks: AsyncSequence & Sendable>(
        _ caller: Caller, serviceSid: String, contentType: String?, filename: String?, body: Chunks
    ) async throws -> Media where Chunks.Element == [UInt8] {
        guard let contentType, !contentType.isEmpty else {
            throw ParleyError.invalidParameter(name: "Content-Type", reason: "is required: the media's type, e.g. image/png")
        }
        guard let accepted = limits.acceptedContentType(contentType) else { throw ParleyError.mediaContentTypeNotAllowed(contentType) }
        try Self.validateFilename(filename)
        let service = try await store.read { tx in try Self.service(caller, serviceSid, tx) }
        let received = try await files.receive(body, maxBytes: limits.maxItemBytes)
        guard received.size > 0 else {
            files.discard(received)
            throw ParleyError.invalidParameter(name: "body", reason: "media must not be empty")
        }
        return try await record(
            received, serviceSid: service.sid, contentType: accepted.description, filename: filename, author: Self.author(caller))
    }

    /// Records received content as new media: its row and its file at its address, in one transaction.
    func record(_ received: MediaFiles.Received, serviceSid: String, contentType: String, filename: String?, author: String) async throws
        -> Media
    {
        let now = self.now()
        let media = Media(
            sid: SID.make(.media, now: now), serviceSid: serviceSid, contentType: contentType, filename: filename, size: received.size,
            sha256: received.sha256, author: author, dateCreated: now, dateUpdated: now)
        let files = self.files
        do {
            try await store.write { tx in
                try tx.insert(media)
                try files.place(received)
            }
        } catch {
            files.discard(received)
            throw error
        }
        return media
    }

    public func fetch(_ caller: Caller, serviceSid: String, sid: String) async throws -> Media {
        try await store.read { tx in try Self.requireMedia(sid, in: Self.service(caller, serviceSid, tx), tx) }
    }

    /// The media a temporary content URL names, when the URL's signature is right for it and it has not expired. The
    /// signature is checked first, so a wrong URL learns nothing about what exists.
    public func fetch(serviceSid: String, sid: String, link: MediaContentLink) async throws -> Media {
        let now = self.now()
        return try await store.read { tx in
            guard let account = try tx.account(owningService: serviceSid),
                MediaContentLinkSigner(authToken: account.authToken).isValid(link, serviceSid: serviceSid, mediaSid: sid)
            else { throw ParleyError.mediaLinkInvalid }
            guard now <= link.expires else { throw ParleyError.mediaLinkExpired(at: link.expires) }
            guard let media = try tx.media(sid: sid, serviceSid: serviceSid) else {
                throw ParleyError.notFound(resource: "/Services/\(serviceSid)/Media/\(sid)")
            }
            return media
        }
    }

    /// A temporary content URL's expiry and signature for `media`, working `MediaContentLink.lifetimeSeconds` from now.
    public func temporaryLink(for media: Media, caller: Caller) async throws -> MediaContentLink {
        let expires = Timestamp(secondsSince1970: now().secondsSince1970 + MediaContentLink.lifetimeSeconds)
        let account = try await store.read { tx in try tx.account(sid: caller.accountSid) }
        guard let account else { throw ParleyError.unauthenticated }
        return MediaContentLinkSigner(authToken: account.authToken).link(serviceSid: media.serviceSid, mediaSid: media.sid, expires: expires)
    }

    /// One item of a media set: the media with a fresh temporary link, or why it cannot be had.
    public typealias SetItem = (sid: String, result: Result<(media: Media, link: MediaContentLink), ParleyError>)

    /// Several media of the Service at once (the SDK's media-set call), in the order asked, each with a fresh temporary
    /// link; an item that cannot be fetched carries its error instead of failing the others. One read for them all.
    public func fetchSet(_ caller: Caller, serviceSid: String, sids: [String]) async throws -> [SetItem] {
        let expires = Timestamp(secondsSince1970: now().secondsSince1970 + MediaContentLink.lifetimeSeconds)
        return try await store.read { tx in
            let signer = try tx.account(sid: caller.accountSid).map { MediaContentLinkSigner(authToken: $0.authToken) }
            return try sids.map { sid in
                do {
                    let media = try Self.requireMedia(sid, in: Self.service(caller, serviceSid, tx), tx)
                    guard let signer else { throw ParleyError.unauthenticated }
                    return (sid, .success((media, signer.link(serviceSid: media.serviceSid, mediaSid: media.sid, expires: expires))))
                } catch let error as ParleyError {
                    return (sid, .failure(error))
                }
            }
        }
    }

    /// The file holding the media's bytes, for streaming it out; nil for an external reference.
    public func contentFile(_ media: Media) -> URL? {
        media.sha256.map { files.path(sha256: $0) }
    }

    /// Deletes media: an admin any (attached media leaves its message's list), a chat user only their own uploads not
    /// yet attached to a message. Content nobody references any more is removed.
    public func delete(_ caller: Caller, serviceSid: String, sid: String) async throws {
        let files = self.files
        try await store.write { tx in
            let media = try Self.requireMedia(sid, in: Self.service(caller, serviceSid, tx), tx)
            if case .chat(let user) = caller {
                guard media.author == user.identity else { throw ParleyError.permissionDenied(permission: "deleting media another user uploaded") }
                if let messageSid = media.messageSid { throw ParleyError.mediaAttached(sid: media.sid, messageSid: messageSid) }
            }
            try tx.deleteMedia(sid: media.sid)
            if let messageSid = media.messageSid {
                try tx.setMessageMedia(messageSid: messageSid, media: Message.mediaJSON(tx.media(messageSid: messageSid).map(MessageMedia.init)))
            }
            try Self.releaseUnreferenced(files: files, tx)
        }
    }

    /// Removes the files of content whose last reference went away (with a message, conversation or Service);
    /// returns how many. Deletes through `delete` do this at once; the janitor catches the rest.
    @discardableResult
    public func collectGarbage() async throws -> Int {
        let files = self.files
        return try await store.write { tx in try Self.releaseUnreferenced(files: files, tx) }
    }

    /// Settles the media folder after a crash (see `MediaFiles.recover`), then collects garbage.
    public func recover() async throws {
        let files = self.files
        try await store.read { tx in try files.recover(isReferenced: { try tx.isMediaContentReferenced(sha256: $0) }) }
        try await collectGarbage()
    }

    // MARK: - Shared with MessageService

    /// Attaches `sids` to a new message of `serviceSid`, checking each is this Service's and unattached, and the
    /// message's limits; returns the message's `media` list (JSON) to store with it.
    static func attach(_ sids: [String], to messageSid: String, serviceSid: String, limits: MediaLimits, now: Timestamp, tx: StoreTransaction) throws
        -> String?
    {
        guard !sids.isEmpty else { return nil }
        guard sids.count <= limits.maxItemsPerMessage else { throw ParleyError.tooManyMedia(limit: limits.maxItemsPerMessage) }
        guard Set(sids).count == sids.count else { throw ParleyError.invalidMedia(sid: sids[0], reason: "the same media is named twice") }
        var items: [MessageMedia] = []
        var total: Int64 = 0
        for sid in sids {
            guard let media = try tx.media(sid: sid, serviceSid: serviceSid) else {
                throw ParleyError.invalidMedia(sid: sid, reason: "no such media in this Service")
            }
            guard media.messageSid == nil else { throw ParleyError.invalidMedia(sid: sid, reason: "already attached to message \(media.messageSid!)") }
            total += media.size
            guard total <= limits.maxMessageBytes else { throw ParleyError.mediaTooLarge(limit: limits.maxMessageBytes) }
            try tx.attachMedia(sid: sid, messageSid: messageSid, at: now)
            items.append(MessageMedia(media))
        }
        return try Message.mediaJSON(items)
    }

    // MARK: - Helpers

    /// Moves unreferenced content to the trash inside `tx`, and deletes it for good once `tx` has committed.
    @discardableResult
    static func releaseUnreferenced(files: MediaFiles, _ tx: StoreTransaction) throws -> Int {
        let trashed = try tx.takeMediaGarbage().compactMap { try files.moveToTrash(sha256: $0) }
        if !trashed.isEmpty { tx.afterCommit { for file in trashed { files.purge(file) } } }
        return trashed.count
    }

    private static func service(_ caller: Caller, _ serviceSid: String, _ tx: StoreTransaction) throws -> ChatService {
        switch caller {
        case .admin(let principal):
            return try tx.resolveService(principal, .service(serviceSid))
        case .chat(let user):
            guard user.serviceSid == serviceSid, let service = try tx.service(sid: serviceSid, accountSid: user.accountSid) else {
                throw ParleyError.notFound(resource: "/Services/\(serviceSid)")
            }
            return service
        }
    }

    private static func requireMedia(_ sid: String, in service: ChatService, _ tx: StoreTransaction) throws -> Media {
        guard let media = try tx.media(sid: sid, serviceSid: service.sid) else { throw ParleyError.notFound(resource: "/Services/\(service.sid)/Media/\(sid)") }
        return media
    }

    private static func author(_ caller: Caller) -> String {
        switch caller {
        case .admin: "system"
        case .chat(let user): user.identity
        }
    }

    /// A filename is a name, not a path: no separators, no `..`, no control characters, at most 255 bytes.
    static func validateFilename(_ filename: String?) throws {
        guard let filename else { return }
        let bad =
            filename.isEmpty || filename.utf8.count > 255 || filename.contains("/") || filename.contains("\\") || filename == "."
            || filename.contains("..") || filename.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        if bad { throw ParleyError.invalidParameter(name: "Filename", reason: "must be a plain file name (no path, no control characters)") }
    }
}
