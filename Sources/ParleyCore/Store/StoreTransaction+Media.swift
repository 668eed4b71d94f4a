import GRDB

extension StoreTransaction {
    public func insert(_ media: Media) throws {
        try execute(
            """
            INSERT INTO media (sid, service_sid, content_type, filename, size, sha256, external_url, author, message_sid,
                               date_created, date_updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                media.sid, media.serviceSid, media.contentType, media.filename, media.size, media.sha256, media.externalURL, media.author,
                media.messageSid, media.dateCreated, media.dateUpdated,
            ])
    }

    public func media(sid: String, serviceSid: String) throws -> Media? {
        try fetchOne(statement("SELECT * FROM media WHERE sid = ? AND service_sid = ?"), arguments: [sid, serviceSid], Media.init(row:))
    }

    /// The media attached to a message, in the order they were attached.
    public func media(messageSid: String) throws -> [Media] {
        switch dialect {
        case .sqlite:
            return try fetchAll(statement("SELECT * FROM media WHERE message_sid = ? ORDER BY rowid"), arguments: [messageSid], Media.init(row:))
        case .postgres:
            // No rowid: the message's own list of its media (JSON text holding each SID, in order) gives the order.
            return try fetchAll(
                statement(
                    "SELECT m.* FROM media AS m JOIN messages AS g ON g.sid = m.message_sid WHERE m.message_sid = ? ORDER BY strpos(g.media, m.sid), m.sid"),
                arguments: [messageSid], Media.init(row:))
        }
    }

    /// Attaches unattached media to a message.
    public func attachMedia(sid: String, messageSid: String, at time: Timestamp) throws {
        try execute("UPDATE media SET message_sid = ?, date_updated = ? WHERE sid = ? AND message_sid IS NULL", [messageSid, time, sid])
    }

    public func deleteMedia(sid: String) throws {
        try execute("DELETE FROM media WHERE sid = ?", [sid])
    }

    /// Whether any media row holds content `sha256`.
    public func isMediaContentReferenced(sha256: String) throws -> Bool {
        try value(Bool.self, statement("SELECT EXISTS (SELECT 1 FROM media WHERE sha256 = ?)"), arguments: [sha256]) ?? false
    }

    /// Content that lost its last reference and is still unreferenced, removed from the garbage list.
    public func takeMediaGarbage() throws -> [String] {
        let released = try values(String.self, statement("DELETE FROM media_garbage RETURNING sha256"))
        return try released.filter { try !isMediaContentReferenced(sha256: $0) }
    }

    /// Rewrites a message's stored media list (after one of its media was deleted).
    public func setMessageMedia(messageSid: String, media: String?) throws {
        try execute("UPDATE messages SET media = ? WHERE sid = ?", [media, messageSid])
    }
}

extension Media {
    init(row: Row) {
        self.init(
            sid: row["sid"], serviceSid: row["service_sid"], contentType: row["content_type"], filename: row["filename"], size: row["size"],
            sha256: row["sha256"], externalURL: row["external_url"], author: row["author"], messageSid: row["message_sid"],
            dateCreated: row["date_created"], dateUpdated: row["date_updated"])
    }
}
