import Foundation
import Hummingbird
import HummingbirdTesting
import ParleyCore
import PostgresTestSupport
import Testing

/// Media upload, download, attachment and cleanup over HTTP (Twilio's Media Content Service paths).
struct MediaAPITests {
    @Test func uploadFetchDownloadWithRangesAndDelete() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let bytes = (0..<1000).map { UInt8($0 % 251) }
            let uploaded = try await api.upload(service, bytes, contentType: "image/png", filename: "cat.png")
            #expect(uploaded.status == .created, "\(uploaded.text)")
            let sid = try #require(uploaded["sid"])
            #expect(sid.hasPrefix("ME") && sid.count == 34)
            #expect(uploaded["service_sid"] == service)
            #expect(uploaded["content_type"] == "image/png")
            #expect(uploaded["filename"] == "cat.png")
            #expect(uploaded.json["size"] as? Int == 1000)
            #expect(uploaded["author"] == "system")
            #expect(uploaded.json["message_sid"] is NSNull)
            let content = try #require((uploaded.json["links"] as? [String: Any])?["content"] as? String)
            #expect(content == "\(TestCredentials.publicURL)/v1/Services/\(service)/Media/\(sid)/Content")

            let fetched = try await api.get("/v1/Services/\(service)/Media/\(sid)")
            #expect(fetched.status == .ok && fetched["sid"] == sid)

            let whole = try await api.download("/v1/Services/\(service)/Media/\(sid)/Content")
            #expect(whole.status == .ok)
            #expect(whole.bytes == bytes)
            #expect(whole.headers[.contentType] == "image/png")
            #expect(whole.headers[.contentLength] == "1000")

            let part = try await api.download("/v1/Services/\(service)/Media/\(sid)/Content", range: "bytes=10-19")
            #expect(part.status == .partialContent)
            #expect(part.bytes == Array(bytes[10...19]))
            #expect(part.headers[.contentRange] == "bytes 10-19/1000")
            let tail = try await api.download("/v1/Services/\(service)/Media/\(sid)/Content", range: "bytes=-5")
            #expect(tail.bytes == Array(bytes[995...]))
            let beyond = try await api.download("/v1/Services/\(service)/Media/\(sid)/Content", range: "bytes=5000-")
            #expect(beyond.status == .rangeNotSatisfiable)

            let file = try #require(api.parley.media.contentFile(try await api.parley.media.fetch(.admin(api.principal), serviceSid: service, sid: sid)))
            #expect(FileManager.default.fileExists(atPath: file.path))
            #expect(try await api.delete("/v1/Services/\(service)/Media/\(sid)").status == .noContent)
            #expect(try await api.get("/v1/Services/\(service)/Media/\(sid)").status == .notFound)
            #expect(!FileManager.default.fileExists(atPath: file.path), "nobody references the content any more")
        }
    }

    @Test func chatUsersUploadWithTheirTokenAndDeleteOnlyTheirOwn() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let alice = try await api.bearer("alice")
            let bob = try await api.bearer("bob")
            let mine = try await alice.upload(service, [1, 2, 3], contentType: "image/jpeg", filename: nil)
            #expect(mine.status == .created, "\(mine.text)")
            #expect(mine["author"] == "alice")
            let sid = try #require(mine["sid"])
            // The SDK's header works too.
            let token = try await api.token("carol")
            let viaHeader = try await api.authenticated(as: nil).upload(
                service, [4, 5], contentType: "image/jpeg", filename: nil, headers: [MediaAuthHeader.twilioToken: token])
            #expect(viaHeader["author"] == "carol")

            #expect(try await bob.get("/v1/Services/\(service)/Media/\(sid)").status == .ok)
            let notHis = try await bob.delete("/v1/Services/\(service)/Media/\(sid)")
            #expect(notHis.status == .forbidden && notHis.code == 20403)
            #expect(try await alice.delete("/v1/Services/\(service)/Media/\(sid)").status == .noContent)

            // A token reaches only its own Service.
            let other = try await api.makeService("Other")
            #expect(try await alice.upload(other, [1], contentType: "image/png", filename: nil).status == .notFound)
            // No credentials at all.
            #expect(try await api.authenticated(as: nil).upload(service, [1], contentType: "image/png", filename: nil).status == .unauthorized)
        }
    }

    @Test func aMessageCarriesOneOrTenMediaButNotEleven() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let conversation = try await api.makeConversation()
            var sids: [String] = []
            for number in 0..<11 {
                let uploaded = try await api.upload(service, [UInt8(number), 7, 7], contentType: "image/png", filename: "p\(number).png")
                sids.append(try #require(uploaded["sid"]))
            }
            // One, without a body.
            let single = try await api.post("/v1/Conversations/\(conversation)/Messages", [("MediaSid", sids[0])])
            #expect(single.status == .created, "\(single.text)")
            let list = try #require(single.json["media"] as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list[0]["sid"] as? String == sids[0])
            #expect(list[0]["content_type"] as? String == "image/png")
            #expect(list[0]["filename"] as? String == "p0.png")
            #expect(list[0]["size"] as? Int == 3)
            #expect(list[0]["category"] as? String == "media")
            let attached = try await api.get("/v1/Services/\(service)/Media/\(sids[0])")
            #expect(attached["message_sid"] == single["sid"])

            // Eleven: refused, and none of them is attached.
            let eleven = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "lots")] + sids[1...].map { ("MediaSid", $0) } + [("MediaSid", sids[0])])
            #expect(eleven.status == .badRequest && eleven.code == 50512, "\(eleven.text)")
            // Ten, with a body, in the order given.
            let ten = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "album")] + sids[1...].map { ("MediaSid", $0) })
            #expect(ten.status == .created, "\(ten.text)")
            let tenList = try #require(ten.json["media"] as? [[String: Any]])
            #expect(tenList.compactMap { $0["sid"] as? String } == Array(sids[1...]))
            // Fetching and paging show the same list.
            let fetched = try await api.get("/v1/Conversations/\(conversation)/Messages/\(try #require(ten["sid"]))")
            #expect((fetched.json["media"] as? [[String: Any]])?.count == 10)
            // Already attached: refused.
            let again = try await api.post("/v1/Conversations/\(conversation)/Messages", [("MediaSid", sids[3])])
            #expect(again.status == .badRequest && again.code == 50510)
        }
    }

    @Test func badUploadsAreRefusedAndStoreNothing() async throws {
        let limits = MediaLimits(maxItemBytes: 1000, maxMessageBytes: 1500, allowedContentTypes: ["image/*", "application/pdf"])
        try await withParley(mediaLimits: limits) { api in
            let service = try await api.defaultServiceSid()
            let cases: [(String?, String?, Int, HTTPResponse.Status, Int)] = [
                (nil, nil, 10, .badRequest, 20001),  // no Content-Type
                ("text/html", nil, 10, .unsupportedMediaType, 50511),
                ("multipart/form-data; boundary=x", nil, 10, .unsupportedMediaType, 50511),
                ("image/png", nil, 0, .badRequest, 20001),  // empty
                ("image/png", nil, 1001, .contentTooLarge, 50512),
                ("image/png", "../../etc/passwd", 10, .badRequest, 20001),
                ("image/png", "a/b.png", 10, .badRequest, 20001),
                ("image/png", "bad\u{1}name", 10, .badRequest, 20001),
            ]
            for (type, filename, size, status, code) in cases {
                let response = try await api.upload(service, [UInt8](repeating: 1, count: size), contentType: type, filename: filename)
                #expect(response.status == status, "\(type ?? "-") \(filename ?? "-") \(size): \(response.text)")
                #expect(response.code == code, "\(type ?? "-") \(filename ?? "-") \(size)")
            }
            #expect(try await api.count("SELECT count(*) FROM media") == 0)
            #expect(try api.storedFiles().isEmpty, "no partial upload is left behind")

            // Another Service's media cannot be attached here.
            let other = try await api.makeService("Other")
            let foreign = try #require(try await api.upload(other, [9], contentType: "image/png", filename: nil)["sid"])
            let conversation = try await api.makeConversation()
            let refused = try await api.post("/v1/Conversations/\(conversation)/Messages", [("MediaSid", foreign)])
            #expect(refused.status == .badRequest && refused.code == 50510)
            // Two items each within the item limit, over the message limit together.
            let a = try #require(try await api.upload(service, [UInt8](repeating: 1, count: 900), contentType: "image/png", filename: nil)["sid"])
            let b = try #require(try await api.upload(service, [UInt8](repeating: 2, count: 900), contentType: "image/png", filename: nil)["sid"])
            let tooMuch = try await api.post("/v1/Conversations/\(conversation)/Messages", [("MediaSid", a), ("MediaSid", b)])
            #expect(tooMuch.status == .contentTooLarge && tooMuch.code == 50512)
            let messages = try await api.get("/v1/Conversations/\(conversation)/Messages")
            #expect(messages.records.isEmpty, "a refused message leaves nothing")
            #expect(try await api.get("/v1/Services/\(service)/Media/\(a)")["message_sid"] == nil)
        }
    }

    @Test func identicalContentIsStoredOnceAndRemovedWithItsLastReference() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let bytes = [UInt8](repeating: 42, count: 500)
            let first = try #require(try await api.upload(service, bytes, contentType: "image/png", filename: "a.png")["sid"])
            let second = try #require(try await api.upload(service, bytes, contentType: "image/png", filename: "b.png")["sid"])
            #expect(first != second)
            #expect(try api.storedFiles().count == 1)

            // Attached to a message: deleting the message releases its media; the other upload keeps the content.
            let conversation = try await api.makeConversation()
            let message = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("MediaSid", first)])["sid"])
            #expect(try await api.delete("/v1/Conversations/\(conversation)/Messages/\(message)").status == .noContent)
            #expect(try await api.get("/v1/Services/\(service)/Media/\(first)").status == .notFound)
            #expect(try api.storedFiles().count == 1)

            // Deleting a whole conversation: its media's content goes at the next collection.
            let message2 = try await api.post("/v1/Conversations/\(conversation)/Messages", [("MediaSid", second)])
            #expect(message2.status == .created)
            #expect(try await api.delete("/v1/Conversations/\(conversation)").status == .noContent)
            #expect(try await api.parley.media.collectGarbage() == 1)
            #expect(try api.storedFiles().isEmpty)
        }
    }
}

/// The SDK's token header.
enum MediaAuthHeader {
    static let twilioToken = HTTPFields.Element.Name("X-Twilio-Token")!
}

/// A downloaded body as bytes.
struct DownloadResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let bytes: [UInt8]
}

extension TestAPI {
    var principal: Principal { Principal(accountSid: TestCredentials.accountSid, credentialSid: TestCredentials.accountSid) }

    func defaultServiceSid() async throws -> String {
        try #require(try await get("/v1/Configuration")["default_chat_service_sid"])
    }

    func token(_ identity: String) async throws -> String {
        let key = try await parley.accessTokens.signingKey(accountSid: TestCredentials.accountSid)
        return try await parley.accessTokens.mintAccessToken(apiKey: key, identity: identity)
    }

    /// The same client as the chat user `identity`, by `Authorization: Bearer`.
    func bearer(_ identity: String) async throws -> TestAPI {
        authenticated(as: "Bearer \(try await token(identity))")
    }

    /// Uploads raw bytes as Twilio's Media Content Service takes them.
    func upload(_ service: String, _ bytes: [UInt8], contentType: String?, filename: String?, headers extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = extra
        if let authorization { headers[.authorization] = authorization }
        if let contentType { headers[.contentType] = contentType }
        let query = filename.map { "?Filename=\(Self.encode($0))" } ?? ""
        return try await client.execute(uri: "/v1/Services/\(service)/Media\(query)", method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) {
            TestResponse(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
        }
    }

    func download(_ path: String, range: String? = nil) async throws -> DownloadResponse {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization }
        if let range { headers[.range] = range }
        return try await client.execute(uri: path, method: .get, headers: headers) {
            DownloadResponse(status: $0.status, headers: $0.headers, bytes: Array($0.body.readableBytesView))
        }
    }

    /// A number read straight from the database, as an operator's `sqlite3` or `psql` would (SQL valid on both engines).
    func count(_ sql: String) async throws -> Int {
        try await parley.store.count(sql)
    }

    /// Every file in the media folder (content and partial uploads alike).
    func storedFiles() throws -> [String] {
        let root = parley.media.root
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { relative in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isFolder) && !isFolder.boolValue
        }
    }
}
