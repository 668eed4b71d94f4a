import Foundation
import Hummingbird
import HummingbirdTesting
import ParleyCore
import PostgresTestSupport
import Testing

/// Media that cannot hurt the people who open it: who may delete what, which content types are stored (and in what
/// form), the headers content is served with, and how a client shows media without putting a credential in a URL.
struct MediaSafetyTests {
    @Test func aChatUserCannotDeleteTheirMediaOnceItIsAttached() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let alice = try await api.bearer("alice")
            let sid = try #require(try await alice.upload(service, [1, 2, 3], contentType: "image/png", filename: "a.png")["sid"])
            let conversation = try await api.makeConversation()
            let message = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Author", "alice"), ("MediaSid", sid)])
            #expect(message.status == .created, "\(message.text)")

            let refused = try await alice.delete("/v1/Services/\(service)/Media/\(sid)")
            #expect(refused.status == .forbidden && refused.code == 20403, "\(refused.text)")
            #expect(refused["message"]?.contains("attached") == true, "\(refused.text)")
            // The message keeps its media, and the media its message.
            let kept = try await api.get("/v1/Conversations/\(conversation)/Messages/\(try #require(message["sid"]))")
            #expect((kept.json["media"] as? [[String: Any]])?.first?["sid"] as? String == sid)
            #expect(try await api.get("/v1/Services/\(service)/Media/\(sid)")["message_sid"] == message["sid"])

            // Unattached media of one's own may still go; an admin may still remove attached media.
            let loose = try #require(try await alice.upload(service, [4], contentType: "image/png", filename: nil)["sid"])
            #expect(try await alice.delete("/v1/Services/\(service)/Media/\(loose)").status == .noContent)
            #expect(try await api.delete("/v1/Services/\(service)/Media/\(sid)").status == .noContent)
        }
    }

    @Test func contentTypesAreOneNormalizedTokenPairAndNeverScriptable() async throws {
        let limits = MediaLimits(allowedContentTypes: ["image/*", "text/*", "application/*", "audio/mpeg"])
        try await withParley(mediaLimits: limits) { api in
            let service = try await api.defaultServiceSid()
            let refused = [
                "image/svg+xml", "image/png, text/html", "image/png,text/html", "text/html", "text/html; charset=utf-8", "application/xhtml+xml",
                "text/xml", "application/xml", "application/javascript", "text/javascript", "application/rss+xml", "image/ png", "image/",
                "/png", "image", "image/png/x", "image/p\"ng", "image/png; charset", "image/png; =x", "image/png; a=b c", "IMAGE/SVG+XML",
            ]
            for type in refused {
                let response = try await api.upload(service, [1, 2, 3], contentType: type, filename: nil)
                #expect(response.status == .unsupportedMediaType && response.code == 50511, "\(type): \(response.text)")
            }
            #expect(try await api.count("SELECT count(*) FROM media") == 0)

            let stored = [
                (" IMAGE/PNG ", "image/png"), ("image/png; charset=x", "image/png"), ("image/png;", "image/png"),
                ("Image/JPEG; Quality=\"high, very\"", "image/jpeg"), ("text/plain; charset=UTF-8", "text/plain; charset=utf-8"),
                ("text/plain; charset=\"utf-8\"; format=flowed", "text/plain; charset=utf-8"), ("text/csv; charset=no way", ""),
                ("audio/mpeg", "audio/mpeg"),
            ]
            for (type, expected) in stored {
                let response = try await api.upload(service, [1, 2, 3], contentType: type, filename: nil)
                if expected.isEmpty {
                    #expect(response.status == .unsupportedMediaType, "\(type): \(response.text)")
                } else {
                    #expect(response.status == .created, "\(type): \(response.text)")
                    #expect(response["content_type"] == expected, "\(type)")
                    let fetched = try await api.get("/v1/Services/\(service)/Media/\(try #require(response["sid"]))")
                    #expect(fetched["content_type"] == expected, "\(type)")
                }
            }
        }
        // Listed exactly, a scriptable type is the operator's choice; a family still never admits one.
        let exact = MediaLimits(allowedContentTypes: ["image/*", "image/svg+xml"])
        try await withParley(mediaLimits: exact) { api in
            let service = try await api.defaultServiceSid()
            #expect(try await api.upload(service, [1], contentType: "image/svg+xml", filename: nil).status == .created)
            #expect(try await api.upload(service, [1], contentType: "text/html", filename: nil).status == .unsupportedMediaType)
        }
        #expect(MediaLimits().allows(contentType: "image/png"))
        #expect(!MediaLimits().allows(contentType: "image/svg+xml"))
        #expect(!MediaLimits().allows(contentType: "image/png, text/html"))
    }

    @Test func contentIsServedNosniffSandboxedAndInlineOnlyWhenSafe() async throws {
        let limits = MediaLimits(allowedContentTypes: MediaLimits.defaultContentTypes + ["image/svg+xml"])
        try await withParley(mediaLimits: limits) { api in
            let service = try await api.defaultServiceSid()
            let cases: [(type: String, filename: String?, disposition: String)] = [
                ("image/png", "cat.png", #"inline; filename="cat.png""#),
                ("video/mp4", nil, "inline"),
                ("text/plain; charset=utf-8", "notes.txt", #"inline; filename="notes.txt""#),
                ("application/pdf", "report.pdf", #"attachment; filename="report.pdf""#),
                ("image/svg+xml", "logo.svg", #"attachment; filename="logo.svg""#),
                ("application/zip", "ré\"sumé.zip", #"attachment; filename="r__sum_.zip"; filename*=UTF-8''r%C3%A9%22sum%C3%A9.zip"#),
                ("text/csv", nil, "attachment"),
            ]
            for item in cases {
                let uploaded = try await api.upload(service, Array("hello, world".utf8), contentType: item.type, filename: item.filename)
                let sid = try #require(uploaded["sid"], "\(item.type): \(uploaded.text)")
                for range in [nil, "bytes=0-4"] {
                    let content = try await api.download("/v1/Services/\(service)/Media/\(sid)/Content", range: range)
                    #expect(content.status == (range == nil ? .ok : .partialContent))
                    #expect(content.headers[.contentType] == item.type)
                    #expect(content.headers[.xContentTypeOptions] == "nosniff", "\(item.type)")
                    #expect(content.headers[.contentSecurityPolicy] == "sandbox; default-src 'none'", "\(item.type)")
                    #expect(content.headers[.contentDisposition] == item.disposition, "\(item.type)")
                }
            }

            // A type stored before types were checked is served by what it is: malformed means opaque bytes.
            let old = try #require(try await api.upload(service, [1, 2], contentType: "image/png", filename: "x.png")["sid"])
            try await api.parley.store.execute("UPDATE media SET content_type = 'image/png, text/html' WHERE sid = ?", old)
            let opaque = try await api.download("/v1/Services/\(service)/Media/\(old)/Content")
            #expect(opaque.headers[.contentType] == "application/octet-stream")
            #expect(opaque.headers[.contentDisposition] == #"attachment; filename="x.png""#)
        }
    }

    @Test func mediaPathsTakeTokensInHeadersNeverInTheURL() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let token = try await api.token("alice")
            let anonymous = api.authenticated(as: nil)
            let sid = try #require(try await api.upload(service, [1, 2, 3], contentType: "image/png", filename: nil)["sid"])
            let path = "/v1/Services/\(service)/Media/\(sid)"

            for url in [path, "\(path)/Content"] {
                let refused = try await anonymous.get("\(url)?token=\(token)")
                #expect(refused.status == .unauthorized && refused.code == 20101, "\(url): \(refused.text)")
                #expect(refused["message"]?.contains("content_direct_temporary") == true, "\(refused.text)")
                // Even beside a good header: a URL that carries a token is refused, so none gets into logs by working.
                let both = try await anonymous.request(.get, "\(url)?token=\(token)", headers: [MediaAuthHeader.twilioToken: token])
                #expect(both.status == .unauthorized)
            }
            let upload = try await anonymous.upload(service, [1], contentType: "image/png", filename: nil, headers: [:])
            #expect(upload.status == .unauthorized)
            #expect(try await anonymous.request(.post, "/v1/Services/\(service)/Media?token=\(token)").status == .unauthorized)

            #expect(try await anonymous.request(.get, path, headers: [MediaAuthHeader.twilioToken: token]).status == .ok)
            #expect(try await api.authenticated(as: "Bearer \(token)").get(path).status == .ok)
            #expect(try await api.get(path).status == .ok)
        }
    }

    @Test func theTemporaryContentURLWorksAloneUntilItExpires() async throws {
        let clock = TestClock()
        try await withParley(now: { clock.now }) { api in
            let service = try await api.defaultServiceSid()
            let alice = try await api.bearer("alice")
            let bytes = Array("a picture".utf8)
            let mine = try await alice.upload(service, bytes, contentType: "image/png", filename: "p.png")
            let sid = try #require(mine["sid"])
            let theirs = try #require(try await api.upload(service, [9, 9], contentType: "image/png", filename: nil)["sid"])
            let anonymous = api.authenticated(as: nil)

            // Chat users and admins get one; it names this media and expires in five minutes.
            let fromUpload = try Self.temporaryURL(mine)
            let fromAdmin = try Self.temporaryURL(try await api.get("/v1/Services/\(service)/Media/\(sid)"))
            let url = try Self.temporaryURL(try await alice.get("/v1/Services/\(service)/Media/\(sid)"))
            for link in [fromUpload, fromAdmin, url] {
                #expect(link.hasPrefix("\(TestCredentials.publicURL)/v1/Services/\(service)/Media/\(sid)/"), "\(link)")
                #expect(!link.contains("token"))
                #expect(URLComponents(string: link)?.queryItems?.first { $0.name == "Expires" }?.value == String(clock.now.secondsSince1970 + 300))
            }
            let path = String(url.dropFirst(TestCredentials.publicURL.count))

            // No credentials needed; the same bytes and headers as the authenticated content.
            let served = try await anonymous.download(path)
            #expect(served.status == .ok, "\(String(decoding: served.bytes, as: UTF8.self))")
            #expect(served.bytes == bytes)
            #expect(served.headers[.contentType] == "image/png")
            #expect(served.headers[.xContentTypeOptions] == "nosniff")
            #expect(served.headers[.contentDisposition] == #"inline; filename="p.png""#)
            #expect(try await anonymous.download(path, range: "bytes=2-4").bytes == Array(bytes[2...4]))

            // Tampered, moved to other media or another Service, or without its signature: refused.
            let components = try #require(URLComponents(string: url))
            let signature = try #require(components.queryItems?.first { $0.name == "Signature" }?.value)
            let expires = try #require(components.queryItems?.first { $0.name == "Expires" }?.value)
            let flipped = String(signature.dropLast()) + (signature.hasSuffix("0") ? "1" : "0")
            let other = try await api.makeService("Other")
            let forged = [
                path.replacingOccurrences(of: signature, with: flipped),
                path.replacingOccurrences(of: sid, with: theirs),
                path.replacingOccurrences(of: service, with: other),
                path.replacingOccurrences(of: "Expires=\(expires)", with: "Expires=\(Int(expires)! + 3600)"),
                String(path.prefix { $0 != "?" }),
                path.replacingOccurrences(of: signature, with: "zz"),
            ]
            for attempt in forged {
                let response = try await anonymous.get(attempt)
                #expect(response.status == .forbidden && response.code == 20003, "\(attempt): \(response.text)")
            }
            // The authenticated content path still needs credentials.
            #expect(try await anonymous.download("/v1/Services/\(service)/Media/\(sid)/Content").status == .unauthorized)

            // Past its expiry: refused, and a fresh fetch gives a new one that works.
            clock.advance(seconds: 301)
            let expired = try await anonymous.get(path)
            #expect(expired.status == .forbidden && expired.code == 20403, "\(expired.text)")
            #expect(expired["message"]?.contains("expired") == true)
            let renewed = try Self.temporaryURL(try await alice.get("/v1/Services/\(service)/Media/\(sid)"))
            #expect(try await anonymous.download(String(renewed.dropFirst(TestCredentials.publicURL.count))).bytes == bytes)

            // Deleted media: gone, link or not.
            let fresh = String(renewed.dropFirst(TestCredentials.publicURL.count))
            #expect(try await alice.delete("/v1/Services/\(service)/Media/\(sid)").status == .noContent)
            #expect(try await anonymous.get(fresh).status == .notFound)
        }
    }

    /// `links.content_direct_temporary` of a Media resource.
    static func temporaryURL(_ media: TestResponse) throws -> String {
        try #require((media.json["links"] as? [String: Any])?["content_direct_temporary"] as? String, "\(media.text)")
    }
}
