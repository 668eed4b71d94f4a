import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// "Bad input gets a 4xx with a Twilio-style error body that says what is wrong and changes nothing."
/// One test per class of bad input; each checks the status, the error body and that the observable
/// state of the Service (every list, every resource, both configurations) is exactly what it was.
@Suite struct BadInputTests {
    @Test func malformedFormBodiesAreRefused() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let bodies: [(String, [UInt8])] = [
                ("invalid escape", Array("FriendlyName=%ZZ".utf8)),
                ("truncated escape", Array("FriendlyName=ab%4".utf8)),
                ("escape in a name", Array("Friendly%G1Name=x".utf8)),
                ("escaped bytes that are not UTF-8", Array("FriendlyName=%FF%FE".utf8)),
                ("raw UTF-8 bytes", Array("FriendlyName=caf".utf8) + [0xC3, 0xA9]),
                ("raw invalid bytes", Array("FriendlyName=".utf8) + [0xFF, 0x00]),
            ]
            for (note, body) in bodies {
                for path in ["/v1/Conversations", "/v1/Conversations/\(world.conversation)", "/v1/Users/\(world.user)"] {
                    expectError(try await send(api, .post, path, body), .badRequest, code: 20001, "\(note) to \(path)")
                }
            }
            // The same in a query string.
            expectError(try await send(api, .get, "/v1/Conversations?State=%ZZ"), .badRequest, code: 20001, "query escape")
            #expect(try await world.state(api) == before)
        }
    }

    @Test func unsupportedContentTypeIs415() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let json = Array(#"{"FriendlyName":"from json","Identity":"json-user"}"#.utf8)
            for type in ["application/json", "text/plain", "multipart/form-data; boundary=x"] {
                for path in ["/v1/Conversations", "/v1/Conversations/\(world.conversation)", "/v1/Users"] {
                    expectError(try await send(api, .post, path, json, contentType: type), .unsupportedMediaType, code: 20001, "\(type) to \(path)")
                }
            }
            #expect(try await world.state(api) == before)
            // A form with a charset parameter is still a form.
            let form = try await send(
                api, .post, "/v1/Conversations", Array("FriendlyName=ok".utf8), contentType: "application/x-www-form-urlencoded; charset=UTF-8")
            #expect(form.status == .created)
        }
    }

    @Test func invalidJSONInAttributesIsRefused() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let conversation = "/v1/Conversations/\(world.conversation)"
            let requests: [(String, [(String, String)])] = [
                ("/v1/Conversations", [("FriendlyName", "new")]),
                (conversation, []),
                ("\(conversation)/Participants", [("Identity", "bob")]),
                ("\(conversation)/Participants/\(world.participant)", []),
                ("\(conversation)/Messages", [("Body", "hi")]),
                ("\(conversation)/Messages/\(world.message)", []),
                ("/v1/Users", [("Identity", "carol")]),
                ("/v1/Users/\(world.user)", []),
            ]
            for (path, form) in requests {
                for attributes in ["{not json", #"{"a":1"#, "nope"] {
                    expectError(try await api.post(path, form + [("Attributes", attributes)]), .badRequest, code: 50304, "\(path) \(attributes)")
                }
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func outOfRangeValuesAreRefused() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let conversation = "/v1/Conversations/\(world.conversation)"
            let participant = "\(conversation)/Participants/\(world.participant)"
            let posts: [(String, [(String, String)])] = [
                ("/v1/Conversations", [("State", "bogus")]),
                (conversation, [("State", "bogus")]),
                ("/v1/Conversations", [("DateCreated", "yesterday")]),
                (conversation, [("DateUpdated", "2024-13-45T99:00:00Z")]),
                ("/v1/Conversations", [("State", "active"), ("Timers.Inactive", "PT10S")]),
                ("/v1/Conversations", [("State", "active"), ("Timers.Closed", "soon")]),
                (conversation, [("Timers.Inactive", "PT10S")]),
                ("/v1/Roles", [("FriendlyName", "r"), ("Type", "bogus"), ("Permission", "sendMessage")]),
                ("/v1/Roles", [("FriendlyName", "r"), ("Type", "conversation"), ("Permission", "flyToTheMoon")]),
                ("/v1/Roles", [("FriendlyName", "r"), ("Type", "service"), ("Permission", "sendMessage")]),
                ("/v1/Roles/\(world.role)", [("Permission", "sendMessage"), ("Permission", "flyToTheMoon")]),
                ("\(conversation)/Participants", [("Identity", "bob"), ("LastReadMessageIndex", "-1")]),
                (participant, [("LastReadMessageIndex", "-1")]),
                (participant, [("LastReadMessageIndex", "abc")]),
                (participant, [("DateCreated", "yesterday")]),
                ("\(conversation)/Messages", [("Body", "hi"), ("DateCreated", "yesterday")]),
                ("/v1/Services/\(world.service)/Configuration", [("ReachabilityEnabled", "maybe")]),
                ("/v1/Configuration", [("DefaultInactiveTimer", "PT10S")]),
                ("/v1/Configuration", [("DefaultClosedTimer", "forever")]),
            ]
            for (path, form) in posts {
                expectError(try await api.post(path, form), .badRequest, code: 20001, "POST \(path) \(form)")
            }
            let gets: [(String, [(String, String)])] = [
                ("/v1/Conversations", [("State", "bogus")]),
                ("/v1/Conversations", [("StartDate", "yesterday")]),
                ("\(conversation)/Messages", [("Order", "sideways")]),
                ("/v1/Conversations", [("Page", "-1")]),
            ]
            for (path, query) in gets {
                expectError(try await api.get(path, query), .badRequest, code: 20001, "GET \(path) \(query)")
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func wrongSIDPrefixesAreRefused() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let conversation = "/v1/Conversations/\(world.conversation)"
            let participant = "\(conversation)/Participants/\(world.participant)"
            let hex = String(repeating: "0123456789abcdef", count: 2)
            let serviceRole = try #require(try await api.get("/v1/Services/\(world.service)/Configuration")["default_chat_service_role_sid"])
            let posts: [(String, [(String, String)])] = [
                ("\(conversation)/Participants", [("Identity", "bob"), ("RoleSid", "CH\(hex)")]),
                (participant, [("RoleSid", "CH\(hex)")]),
                (participant, [("RoleSid", "RL\(hex)")]),  // well-formed, but no such role
                (participant, [("RoleSid", serviceRole)]),  // a service role where a conversation role belongs
                ("/v1/Users", [("Identity", "carol"), ("RoleSid", "CH\(hex)")]),
                ("/v1/Users/\(world.user)", [("RoleSid", "US\(hex)")]),
                ("/v1/Users/\(world.user)", [("RoleSid", world.role)]),  // a conversation role where a service role belongs
                ("/v1/Conversations", [("MessagingServiceSid", "XX\(hex)")]),
                ("/v1/Conversations", [("MessagingServiceSid", "MG123")]),
                (conversation, [("MessagingServiceSid", "XX\(hex)")]),
                ("\(conversation)/Messages", [("ContentSid", "XX\(hex)")]),
                ("\(conversation)/Messages", [("Body", "hi"), ("MediaSid", "XX\(hex)")]),
                ("/v1/Configuration", [("DefaultChatServiceSid", "CH\(hex)")]),
                ("/v1/Configuration", [("DefaultChatServiceSid", "IS\(hex)")]),  // well-formed, but no such Service
                ("/v1/Configuration", [("DefaultMessagingServiceSid", "XX\(hex)")]),
                ("/v1/Services/\(world.service)/Configuration", [("DefaultConversationRoleSid", "CH\(hex)")]),
                ("/v1/Services/\(world.service)/Configuration", [("DefaultChatServiceRoleSid", world.role)]),
            ]
            for (path, form) in posts {
                expectError(try await api.post(path, form), .badRequest, code: 20001, "POST \(path) \(form)")
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func oversizedFieldsAndBodiesAreRefused() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let conversation = "/v1/Conversations/\(world.conversation)"
            /// Valid JSON of exactly `bytes` bytes.
            func attributes(_ bytes: Int) -> String { #"{"a":""# + String(repeating: "x", count: bytes - 8) + #""}"# }
            let long = String(repeating: "n", count: 257)
            let posts: [(String, [(String, String)])] = [
                ("/v1/Conversations", [("FriendlyName", long)]),
                (conversation, [("FriendlyName", long)]),
                ("/v1/Conversations", [("UniqueName", long)]),
                ("/v1/Services", [("FriendlyName", long)]),
                ("/v1/Users", [("Identity", long)]),
                ("/v1/Users/\(world.user)", [("FriendlyName", long)]),
                ("\(conversation)/Participants", [("Identity", long)]),
                ("/v1/Roles", [("FriendlyName", String(repeating: "r", count: 65)), ("Type", "service"), ("Permission", "joinConversation")]),
                ("\(conversation)/Messages", [("Body", "hi"), ("Subject", long)]),
                (conversation, [("Bindings.Email.Address", long)]),
                ("\(conversation)/Messages", [("Body", String(repeating: "b", count: 32 * 1024 + 1))]),
                ("\(conversation)/Messages/\(world.message)", [("Body", String(repeating: "b", count: 32 * 1024 + 1))]),
                ("/v1/Conversations", [("Attributes", attributes(16 * 1024 + 1))]),
                (conversation, [("Attributes", attributes(16 * 1024 + 1))]),
                ("/v1/Users", [("Identity", "carol"), ("Attributes", attributes(16 * 1024 + 1))]),
                ("\(conversation)/Participants", [("Identity", "bob"), ("Attributes", attributes(4 * 1024 + 1))]),
                ("\(conversation)/Participants/\(world.participant)", [("Attributes", attributes(4 * 1024 + 1))]),
                ("\(conversation)/Messages", [("Body", "hi"), ("Attributes", attributes(4 * 1024 + 1))]),
            ]
            for (path, form) in posts {
                expectError(try await api.post(path, form), .badRequest, code: 20001, "POST \(path) \(form.map(\.0))")
            }
            let huge = [("FriendlyName", String(repeating: "h", count: 1024 * 1024 + 1))]
            expectError(try await api.post("/v1/Conversations", huge), .contentTooLarge, code: 20001, "1 MiB body")
            expectError(try await api.post(conversation, huge), .contentTooLarge, code: 20001, "1 MiB body on update")
            #expect(try await world.state(api) == before)

            // Exactly at the limits is fine.
            let atLimit = try await api.post(
                "/v1/Conversations", [("FriendlyName", String(repeating: "n", count: 256)), ("Attributes", attributes(16 * 1024))])
            #expect(atLimit.status == .created)
            let message = try await api.post(
                "\(conversation)/Messages", [("Body", String(repeating: "b", count: 32 * 1024)), ("Attributes", attributes(4 * 1024))])
            #expect(message.status == .created)
        }
    }

    @Test func pageSizeOutOfRangeIsRefusedAndLargePagesAreCapped() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let lists = [
                "/v1/Conversations", "/v1/Users", "/v1/Roles", "/v1/Services", "/v1/Conversations/\(world.conversation)/Participants",
                "/v1/Conversations/\(world.conversation)/Messages",
            ]
            for path in lists {
                for size in ["0", "-1", "abc", "", "1001", "99999999999999999999"] {
                    expectError(try await api.get(path, [("PageSize", size)]), .badRequest, code: 20001, "\(path) PageSize=\(size)")
                }
            }
            // Between a list's maximum and 1000 the page is cut to the maximum (twilio-python sends PageSize=limit).
            let capped: [(String, String, Int)] = [
                ("/v1/Conversations", "101", 100), ("/v1/Conversations", "1000", 100), ("/v1/Users", "51", 50), ("/v1/Roles", "1000", 50),
                ("/v1/Conversations/\(world.conversation)/Messages", "500", 100),
            ]
            for (path, size, maximum) in capped {
                let page = try await api.get(path, [("PageSize", size)])
                #expect(page.status == .ok, "\(path) PageSize=\(size): \(page.text)")
                #expect(page.meta["page_size"] as? Int == maximum, "\(path) PageSize=\(size)")
                #expect((page.meta["url"] as? String)?.contains("PageSize=\(maximum)") == true)
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func badPageTokensAreRefused() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let lists = ["/v1/Conversations", "/v1/Users", "/v1/Conversations/\(world.conversation)/Messages"]
            for path in lists {
                for token in ["garbage", "PA", "PAzz", "PX10", "PA" + String(repeating: "f", count: 30), "pa10", "PA-1x"] {
                    expectError(try await api.get(path, [("PageToken", token)]), .badRequest, code: 20001, "\(path) PageToken=\(token)")
                }
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func unknownPathsAre404() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let conversation = "/v1/Conversations/\(world.conversation)"
            let requests: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/Nope"), (.post, "/v1/Nope"), (.delete, "/v1/Nope"), (.get, "/v2/Conversations"), (.get, "/"),
                (.get, "\(conversation)/Nope"), (.post, "\(conversation)/Nope"),
                (.delete, "\(conversation)/Participants/\(world.participant)/Extra"),
                (.get, "/v1/Services/\(world.service)/Nope"), (.post, "/v1/Conversation"), (.get, "/v1/conversations"),
            ]
            for (method, path) in requests {
                expectError(try await send(api, method, path, Array("FriendlyName=changed".utf8)), .notFound, code: 20404, "\(method) \(path)")
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func unknownMethodsOnKnownPathsAre405() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let conversation = "/v1/Conversations/\(world.conversation)"
            let requests: [(HTTPRequest.Method, String)] = [
                (.put, "/v1/Conversations"), (.patch, "/v1/Conversations"), (.delete, "/v1/Conversations"),
                (.put, conversation), (.patch, conversation),
                (.put, "\(conversation)/Participants/\(world.participant)"), (.patch, "\(conversation)/Messages/\(world.message)"),
                (.put, "/v1/Users/\(world.user)"), (.patch, "/v1/Roles/\(world.role)"), (.put, "/v1/Configuration"),
                (.delete, "/v1/Configuration"), (.post, "/v1/Services/\(world.service)"), (.put, "/v1/Services/\(world.service)/Configuration"),
                (.delete, "/v1/Services/\(world.service)/Conversations"),
            ]
            for (method, path) in requests {
                let response = try await send(api, method, path, Array("FriendlyName=changed&Permission=sendMessage".utf8))
                expectError(response, .methodNotAllowed, code: 20004, "\(method) \(path)")
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func missingRequiredParametersAreRefused() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let conversation = "/v1/Conversations/\(world.conversation)"
            let posts: [(String, [(String, String)])] = [
                ("/v1/Services", []),
                ("/v1/Services", [("FriendlyName", "")]),
                ("/v1/Users", [("FriendlyName", "no identity")]),
                ("/v1/Users", [("Identity", "")]),
                ("/v1/Roles", [("FriendlyName", "r"), ("Permission", "sendMessage")]),
                ("/v1/Roles", [("FriendlyName", "r"), ("Type", "conversation")]),
                ("/v1/Roles", [("Type", "conversation"), ("Permission", "sendMessage")]),
                ("/v1/Roles/\(world.role)", []),
                ("\(conversation)/Participants", []),
                ("\(conversation)/Participants", [("Attributes", "{}")]),
                ("\(conversation)/Participants", [("MessagingBinding.Address", "+15550001111")]),
                ("\(conversation)/Participants", [("Identity", "")]),
                ("\(conversation)/Messages", []),
                ("\(conversation)/Messages", [("Body", "")]),
                ("\(conversation)/Messages", [("Author", "alice"), ("Attributes", "{}")]),
            ]
            for (path, form) in posts {
                expectError(try await api.post(path, form), .badRequest, code: 20001, "POST \(path) \(form)")
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func namesThatLookLikeSIDsAreRefused() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            let hex = String(repeating: "0123456789abcdef", count: 2)
            let requests: [(String, [(String, String)], Int)] = [
                ("/v1/Conversations", [("UniqueName", "CH\(hex)")], 50390),
                ("/v1/Conversations/\(world.conversation)", [("UniqueName", "CH\(hex)")], 50390),
                ("/v1/Users", [("Identity", "US\(hex)")], 50206),
                ("/v1/Conversations/\(world.conversation)/Participants", [("Identity", "US\(hex)")], 50206),
            ]
            for (path, form, code) in requests {
                expectError(try await api.post(path, form), .badRequest, code: code, "POST \(path) \(form)")
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func duplicateParticipantIdentityInAConversationIs50433() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let participants = "/v1/Conversations/\(world.conversation)/Participants"
            let bob = try sid(of: try await api.post(participants, [("Identity", "bob")]))
            let before = try await world.state(api)
            expectError(try await api.post(participants, [("Identity", "alice")]), .conflict, code: 50433, "create")
            expectError(try await api.post("\(participants)/\(bob)", [("Identity", "alice")]), .conflict, code: 50433, "update")
            #expect(try await world.state(api) == before)
            // The identity is free in another conversation.
            let other = try await api.makeConversation()
            #expect(try await api.post("/v1/Conversations/\(other)/Participants", [("Identity", "alice")]).status == .created)
        }
    }

    @Test func duplicateUserIdentityIs50201() async throws {
        try await withParley { api in
            let world = try await World.make(api)
            let before = try await world.state(api)
            // "ann" was created as a User, "alice" when she joined a conversation.
            for identity in ["ann", "alice"] {
                expectError(try await api.post("/v1/Users", [("Identity", identity)]), .conflict, code: 50201, identity)
            }
            #expect(try await world.state(api) == before)
        }
    }

    @Test func aBindingInUseInAnotherOpenConversationIs50416UntilThatOneCloses() async throws {
        try await withParley { api in
            let pair = [("MessagingBinding.Address", "+15550001111"), ("MessagingBinding.ProxyAddress", "+15550002222")]
            let first = try await api.makeConversation()
            _ = try sid(of: try await api.post("/v1/Conversations/\(first)/Participants", pair))
            let second = try await api.makeConversation()
            let participants = "/v1/Conversations/\(second)/Participants"
            // The same address with another proxy address is another pair.
            let other = try sid(of: try await api.post(
                participants, [("MessagingBinding.Address", "+15550001111"), ("MessagingBinding.ProxyAddress", "+15550003333")]))
            let state = { try await [api.get(participants).text, api.get("/v1/Conversations").text] }
            let before = try await state()

            expectError(try await api.post(participants, pair), .conflict, code: 50416, "create")
            expectError(
                try await api.post("\(participants)/\(other)", [("MessagingBinding.ProxyAddress", "+15550002222")]), .conflict, code: 50416,
                "update")
            #expect(try await state() == before)

            // The pair is free in another Service.
            let service = try await api.makeService()
            let elsewhere = try await api.makeConversation("/v1/Services/\(service)")
            #expect(try await api.post("/v1/Services/\(service)/Conversations/\(elsewhere)/Participants", pair).status == .created)

            // Closing the first conversation frees the pair.
            #expect(try await api.post("/v1/Conversations/\(first)", [("State", "closed")]).status == .ok)
            let moved = try await api.post(participants, pair)
            #expect(moved.status == .created, "\(moved.text)")
        }
    }
}

/// The default Service with one of everything, and all of its observable state at once.
private struct World {
    let service: String
    let conversation: String
    let participant: String
    let message: String
    let user: String
    let role: String

    static func make(_ api: TestAPI) async throws -> World {
        let service = try #require(try await api.get("/v1/Configuration")["default_chat_service_sid"])
        let conversation = try await api.makeConversation("/v1", [("FriendlyName", "room"), ("UniqueName", "room")])
        let participant = try sid(of: try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")]))
        let message = try sid(of: try await api.post("/v1/Conversations/\(conversation)/Messages", [("Author", "alice"), ("Body", "hi")]))
        let user = try sid(of: try await api.post("/v1/Users", [("Identity", "ann"), ("FriendlyName", "Ann")]))
        let role = try sid(
            of: try await api.post("/v1/Roles", [("FriendlyName", "helper"), ("Type", "conversation"), ("Permission", "sendMessage")]))
        return World(service: service, conversation: conversation, participant: participant, message: message, user: user, role: role)
    }

    /// Every list and configuration of the account, as the API renders them.
    func state(_ api: TestAPI) async throws -> [String] {
        var texts: [String] = []
        for path in [
            "/v1/Services", "/v1/Configuration", "/v1/Services/\(service)/Configuration", "/v1/Conversations",
            "/v1/Conversations/\(conversation)/Participants", "/v1/Conversations/\(conversation)/Messages", "/v1/Users", "/v1/Roles",
        ] {
            let response = try await api.get(path)
            #expect(response.status == .ok, "\(path): \(response.text)")
            texts.append(response.text)
        }
        return texts
    }
}

/// The SID of a 201 answer.
private func sid(of response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    #expect(response.status == .created, "\(response.text)", sourceLocation: sourceLocation)
    return try #require(response["sid"], sourceLocation: sourceLocation)
}

/// A request with a raw body (or none), for what `TestAPI` would encode correctly.
private func send(
    _ api: TestAPI, _ method: HTTPRequest.Method, _ uri: String, _ body: [UInt8] = [],
    contentType: String = "application/x-www-form-urlencoded"
) async throws -> TestResponse {
    var headers: HTTPFields = [.contentType: contentType]
    if let authorization = api.authorization { headers[.authorization] = authorization }
    return try await api.client.execute(uri: uri, method: method, headers: headers, body: body.isEmpty ? nil : ByteBuffer(bytes: body)) {
        TestResponse(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
    }
}

/// `response` is Twilio's error: the HTTP status, a body of exactly `code`, `message`, `more_info` and
/// `status` (never `type` or `title`, which twilio-python would read as RFC 9457), the same status in the body.
private func expectError(
    _ response: TestResponse, _ status: HTTPResponse.Status, code: Int, _ note: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let body = response.json
    #expect(response.status == status, "\(note): \(response.status) \(response.text)", sourceLocation: sourceLocation)
    #expect(Set(body.keys) == ["code", "message", "more_info", "status"], "\(note): \(response.text)", sourceLocation: sourceLocation)
    #expect(body["type"] == nil && body["title"] == nil, "\(note)", sourceLocation: sourceLocation)
    #expect(body["status"] as? Int == Int(status.code), "\(note): \(response.text)", sourceLocation: sourceLocation)
    #expect(response.code == code, "\(note): \(response.text)", sourceLocation: sourceLocation)
    #expect((body["message"] as? String)?.isEmpty == false, "\(note)", sourceLocation: sourceLocation)
    #expect(body["more_info"] as? String == "https://www.twilio.com/docs/errors/\(code)", "\(note)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(note)", sourceLocation: sourceLocation)
}
