import Foundation
import Hummingbird
import Testing

@testable import ParleyCore

/// U+0000 is refused at every way in (400, 20001) and changes nothing: SQLite's driver binds Swift strings as C
/// strings, so a NUL would make the store keep a shorter value than the one validated and answered
/// (`bob\0mallory` acting as `bob`).
@Suite struct NULCharacterTests {
    static let nul = "\u{0}"

    @Test func formParametersWithNULAreRefusedAndNothingIsStored() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation("/v1", [("FriendlyName", "room")])
            let attempts: [(String, [(String, String)])] = [
                ("/v1/Conversations/\(conversation)/Participants", [("Identity", "nul\(Self.nul)user")]),
                ("/v1/Conversations", [("FriendlyName", "a\(Self.nul)b")]),
                ("/v1/Conversations/\(conversation)", [("FriendlyName", "renamed\(Self.nul)x")]),
                ("/v1/Conversations/\(conversation)/Messages", [("Body", "hi\(Self.nul)there"), ("Author", "system")]),
                ("/v1/Users", [("Identity", "carol\(Self.nul)x")]),
                ("/v1/Configuration/Webhooks", [("PostWebhookUrl", "https://hooks.example.com/a\(Self.nul)b"), ("Method", "POST")]),
                ("/v1/Conversations", [("Friendly\(Self.nul)Name", "x")]),
            ]
            let before = try await api.parley.store.tableCounts()
            for (path, form) in attempts {
                let answer = try await api.post(path, form)
                expectNULRefused(answer, "POST \(path) \(form)")
            }
            #expect(try await api.parley.store.tableCounts() == before)
            #expect(try await api.get("/v1/Conversations/\(conversation)")["friendly_name"] == "room")
            #expect(try await api.get("/v1/Configuration/Webhooks")["post_webhook_url"] == nil)
        }
    }

    @Test func pathSegmentsAndQueriesWithNULAreRefused() async throws {
        try await withParley { api in
            #expect(try await api.post("/v1/Users", [("Identity", "bob")]).status == .created)
            let conversation = try await api.makeConversation("/v1", [("UniqueName", "room")])
            expectNULRefused(try await api.get("/v1/Users/bob%00zzz"), "GET /v1/Users/bob%00zzz")
            expectNULRefused(try await api.post("/v1/Users/bob%00zzz", [("FriendlyName", "x")]), "POST /v1/Users/bob%00zzz")
            expectNULRefused(try await api.delete("/v1/Users/bob%00zzz"), "DELETE /v1/Users/bob%00zzz")
            expectNULRefused(try await api.get("/v1/Conversations/room%00x/Messages"), "GET by unique name")
            expectNULRefused(try await api.get("/v1/Conversations", [("State", "active\(Self.nul)")]), "GET ?State=active%00")
            expectNULRefused(try await api.get("/v1/Conversations/\(conversation)%00"), "GET CH...%00")
            #expect(try await api.get("/v1/Users/bob").status == .ok)
        }
    }

    /// A token minted with the official library's rules for identity `bob\0mallory` must not act as `bob`.
    @Test func anAccessTokenWhoseIdentityHoldsNULIsRefused() async throws {
        try await withParley { api in
            let bobsRoom = try await api.makeConversation("/v1", [("FriendlyName", "bob's room")])
            try await api.join(bobsRoom, "bob")
            let key = try await api.parley.accessTokens.signingKey(accountSid: TestCredentials.accountSid)
            let now = Timestamp.now.secondsSince1970
            let claims = AccessTokenClaims(
                jti: "\(key.sid)-\(now)", iss: key.sid, sub: TestCredentials.accountSid, exp: now + 3600, nbf: now,
                grants: .init(identity: "bob\(Self.nul)mallory", chat: .init()))
            let token = try await AccessToken.sign(claims, secret: key.secret)
            let mallory = api.authenticated(as: "Bearer \(token)")
            let list = try await mallory.get("/client/v1/Conversations")
            expectNULRefused(list, "GET /client/v1/Conversations")
            #expect(!list.text.contains(bobsRoom))
            expectNULRefused(try await mallory.post("/client/v1/Conversations/\(bobsRoom)/Messages", [("Body", "as bob")]), "POST as bob")
            #expect(try await api.get("/v1/Conversations/\(bobsRoom)/Messages").records.isEmpty)
            #expect(try await api.get("/v1/Users").records.compactMap { $0["identity"] as? String } == ["bob"])
        }
    }

    @Test func inboundChannelFormsWithNULAreRefused() async throws {
        try await withChannelParley { api in
            let conversation = try await api.makeConversation()
            _ = try await api.addMessagingParticipant(conversation, address: "+15550001111", proxy: "+15550009999")
            let answer = try await api.inbound(TestAPI.incoming(from: "+15550001111\(Self.nul)9", to: "+15550009999", body: "hello"))
            expectNULRefused(answer, "inbound From")
            #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.isEmpty)
        }
    }

    @Test func theDomainRefusesNULWhereverTextIsValidated() throws {
        #expect(throws: ParleyError.containsNUL(name: "FriendlyName")) { try Validate.length("a\u{0}b", 256, name: "FriendlyName") }
        #expect(throws: ParleyError.containsNUL(name: "Identity")) { try UserService.validateIdentity("bob\u{0}mallory") }
        try Validate.length("plain text", 256, name: "FriendlyName")
    }
}

private func expectNULRefused(_ response: TestResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == .badRequest, "\(what): \(response.status) \(response.text)", sourceLocation: sourceLocation)
    #expect(response.code == 20001, "\(what): \(response.text)", sourceLocation: sourceLocation)
    #expect(response.text.contains("U+0000"), "\(what): \(response.text)", sourceLocation: sourceLocation)
}
