import Foundation
import Hummingbird
import HummingbirdTesting
import ParleyCore
import Testing

/// What Twilio's JavaScript SDK needs of the media paths when it runs in a browser page: the media-set call its media
/// client makes for temporary URLs, and CORS on every media path (the page is on another origin than Parley).
struct MediaBrowserTests {
    @Test func theMediaSetAnswersEachSidInOrderWithItsRecordOrItsError() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let alice = try await api.bearer("alice")
            let first = try #require(try await alice.upload(service, [1, 2, 3], contentType: "image/png", filename: "a.png")["sid"])
            let second = try #require(try await alice.upload(service, [4, 5], contentType: "image/png", filename: "b.png")["sid"])
            let missing = "ME" + String(repeating: "0", count: 32)

            let answer = try await alice.json(
                .post, "/v1/Services/\(service)/MediaSet",
                ["command": "get", "list": [["media_sid": first], ["media_sid": missing], ["media_sid": second]]])
            #expect(answer.status == .ok, "\(answer.text)")
            let items = try #require((try? JSONSerialization.jsonObject(with: Data(answer.text.utf8))) as? [[String: Any]])
            #expect(items.compactMap { $0["code"] as? Int } == [200, 404, 200])
            let records = items.compactMap { $0["media_record"] as? [String: Any] }
            #expect(records.compactMap { $0["sid"] as? String } == [first, missing, second])
            // A found record is the Media resource, with a temporary URL that works without credentials.
            let link = try #require((records[0]["links"] as? [String: Any])?["content_direct_temporary"] as? String)
            #expect(records[0]["size"] as? Int == 3)
            #expect(records[1]["links"] == nil)
            let content = try await api.authenticated(as: nil).download(String(link.dropFirst(TestCredentials.publicURL.count)))
            #expect(content.status == .ok && content.bytes == [1, 2, 3])
        }
    }

    @Test func aMediaSetThatIsNotAGetCommandIsRefused() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let alice = try await api.bearer("alice")
            let path = "/v1/Services/\(service)/MediaSet"
            for body: Any in [["command": "delete", "list": [["media_sid": "ME1"]]], ["command": "get", "list": []], ["command": "get"], ["list": 1]] {
                let refused = try await alice.json(.post, path, body)
                #expect(refused.status == .badRequest && refused.code == 20001, "\(body): \(refused.text)")
            }
            let garbage = try await alice.raw(.post, path, body: "not json", headers: [.contentType: "application/json"])
            #expect(garbage.status == .badRequest && garbage.code == 20001, "\(garbage.text)")
            let tooMany = try await alice.json(.post, path, ["command": "get", "list": Array(repeating: ["media_sid": "ME1"], count: 101)])
            #expect(tooMany.status == .badRequest, "\(tooMany.text)")
            // Credentials as on the other media paths.
            let anonymous = try await api.authenticated(as: nil).json(.post, path, ["command": "get", "list": [["media_sid": "ME1"]]])
            #expect(anonymous.status == .unauthorized, "\(anonymous.text)")
        }
    }

    @Test func mediaPathsAnswerPreflightsAndCarryCORSHeadersOthersDoNot() async throws {
        try await withParley { api in
            let service = try await api.defaultServiceSid()
            let page = "http://app.example"
            let preflight = try await api.authenticated(as: nil).raw(
                .options, "/v1/Services/\(service)/Media", body: nil,
                headers: [.origin: page, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "x-twilio-token, content-type"])
            #expect(preflight.status == .noContent, "\(preflight.text)")
            #expect(preflight.headers[.accessControlAllowOrigin] == "*")
            let allowed = (preflight.headers[.accessControlAllowHeaders] ?? "").lowercased()
            #expect(allowed.contains("x-twilio-token") && allowed.contains("content-type"), "\(allowed)")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(try await api.authenticated(as: nil).raw(
                .options, "/v1/Services/\(service)/MediaSet", body: nil, headers: [.origin: page, .accessControlRequestMethod: "POST"]
            ).status == .noContent)

            // Answers, errors included, carry the header so the page can read them.
            let alice = try await api.bearer("alice")
            let uploaded = try await alice.upload(service, [1], contentType: "image/png", filename: nil, headers: [.origin: page])
            #expect(uploaded.status == .created && uploaded.headers[.accessControlAllowOrigin] == "*")
            let missing = try await alice.raw(.get, "/v1/Services/\(service)/Media/ME\(String(repeating: "0", count: 32))", body: nil, headers: [.origin: page])
            #expect(missing.status == .notFound && missing.headers[.accessControlAllowOrigin] == "*", "\(missing.text)")

            // The admin API is not for browsers: no CORS there.
            let admin = try await api.raw(.get, "/v1/Conversations", body: nil, headers: [.origin: page])
            #expect(admin.status == .ok && admin.headers[.accessControlAllowOrigin] == nil)
            let adminPreflight = try await api.authenticated(as: nil).raw(
                .options, "/v1/Conversations", body: nil, headers: [.origin: page, .accessControlRequestMethod: "POST"])
            #expect(adminPreflight.headers[.accessControlAllowOrigin] == nil)
        }
    }
}

extension TestAPI {
    /// A request with a raw body and headers, with this client's credentials.
    func raw(_ method: HTTPRequest.Method, _ path: String, body: String?, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            TestResponse(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
        }
    }

    /// A request with a JSON body.
    func json(_ method: HTTPRequest.Method, _ path: String, _ body: Any) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await raw(method, path, body: String(decoding: data, as: UTF8.self), headers: [.contentType: "application/json"])
    }
}
