import ParleyCore

extension Renderer {
    /// A Media resource as Twilio's Media Content Service shows it, with absolute URLs. `content` needs credentials;
    /// `content_direct_temporary` (what the SDK's `getContentTemporaryUrl` returns) works alone until `temporaryLink`
    /// expires, or is the sender's URL for inbound media Parley could not fetch.
    func media(_ media: Media, temporaryLink: MediaContentLink) -> JSONValue {
        let url = "\(urls.base)/v1/Services/\(media.serviceSid)/Media/\(media.sid)"
        return .object([
            ("sid", .string(media.sid)),
            ("account_sid", .string(accountSid)),
            ("service_sid", .string(media.serviceSid)),
            ("date_created", JSONValue(media.dateCreated)),
            ("date_upload_updated", JSONValue(media.dateCreated)),
            ("date_updated", JSONValue(media.dateUpdated)),
            ("links", .object([
                ("content", .string("\(url)/Content")),
                ("content_direct_temporary", .string(media.externalURL ?? temporaryContentURL(url, temporaryLink))),
            ])),
            ("size", .int(media.size)),
            ("content_type", .string(media.contentType)),
            ("filename", JSONValue(media.filename)),
            ("author", .string(media.author)),
            ("category", .string("media")),
            ("message_sid", JSONValue(media.messageSid)),
            ("channel_sid", .null),
            ("url", .string(url)),
            ("is_multipart_upstream", .bool(false)),
        ])
    }

    private func temporaryContentURL(_ mediaURL: String, _ link: MediaContentLink) -> String {
        "\(mediaURL)/ContentTemporary?Expires=\(link.expires.secondsSince1970)&Signature=\(link.signature)"
    }

    /// A message's `media` list: `[{"sid","size","content_type","filename","category"}]`, or null without media.
    func messageMedia(_ message: Message) -> JSONValue {
        let items = message.mediaItems
        guard !items.isEmpty else { return .null }
        return .array(items.map { item in
            .object([
                ("sid", .string(item.sid)),
                ("size", .int(item.size)),
                ("content_type", .string(item.contentType)),
                ("filename", JSONValue(item.filename)),
                ("category", .string(item.category)),
            ])
        })
    }
}
