import ParleyCore

extension Renderer {
    /// A Media resource as Twilio's Media Content Service shows it, with absolute URLs.
    func media(_ media: Media) -> JSONValue {
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
                ("content_direct_temporary", media.externalURL.map(JSONValue.string) ?? .string("\(url)/Content")),
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
