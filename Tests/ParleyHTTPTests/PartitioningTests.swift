import Foundation
import Hummingbird
import Testing

/// "Service partitioning: every lookup is scoped by Service; a SID from another Service is a 404, never a leak."
@Suite struct PartitioningTests {
    @Test func everyResourceOfOneServiceIsA404FromAnother() async throws {
        try await withParley { api in
            let a = try await api.makeService("A")
            let b = try await api.makeService("B")
            let rootA = "/v1/Services/\(a)"
            let conversation = try await api.makeConversation(rootA, [("FriendlyName", "A room"), ("UniqueName", "a-room")])
            let inA = "\(rootA)/Conversations/\(conversation)"
            let chat = try sid(of: try await api.post("\(inA)/Participants", [("Identity", "alice")]))
            let sms = try sid(
                of: try await api.post(
                    "\(inA)/Participants", [("MessagingBinding.Address", "+15550001111"), ("MessagingBinding.ProxyAddress", "+15550002222")]))
            let message = try sid(of: try await api.post("\(inA)/Messages", [("Author", "alice"), ("Body", "secret")]))
            let user = try sid(of: try await api.post("\(rootA)/Users", [("Identity", "ann"), ("Attributes", #"{"a":1}"#)]))
            let role = try sid(
                of: try await api.post("\(rootA)/Roles", [("FriendlyName", "A helper"), ("Type", "conversation"), ("Permission", "sendMessage")]))
            let secrets = [conversation, chat, sms, message, user, role, "a-room"]
            let stateOfA = [
                "\(rootA)/Conversations", "\(inA)/Participants", "\(inA)/Messages", "\(rootA)/Users", "\(rootA)/Roles", "\(rootA)/Configuration",
            ]
            let before = try await texts(api, stateOfA)
            let changes = [
                ("FriendlyName", "hacked"), ("Attributes", #"{"hacked":true}"#), ("Body", "hacked"), ("Permission", "sendMessage"),
                ("State", "closed"),
            ]

            for (root, service) in [("/v1/Services/\(b)", b), ("/v1", try await defaultService(api))] {
                // Each of A's objects, by SID and by unique name or identity: fetch, update, delete.
                let objects = [
                    "Conversations/\(conversation)", "Conversations/a-room", "Conversations/\(conversation)/Participants/\(chat)",
                    "Conversations/\(conversation)/Participants/alice", "Conversations/\(conversation)/Participants/\(sms)",
                    "Conversations/a-room/Participants/\(chat)", "Conversations/\(conversation)/Messages/\(message)",
                    "Users/\(user)", "Users/ann", "Users/alice", "Roles/\(role)",
                ]
                for object in objects {
                    let path = "\(root)/\(object)"
                    expectNotFound(try await api.get(path), "GET \(path)")
                    expectNotFound(try await api.post(path, changes), "POST \(path)")
                    expectNotFound(try await api.delete(path), "DELETE \(path)")
                }
                // A's conversation's collections: list and create.
                for collection in ["Conversations/\(conversation)/Participants", "Conversations/a-room/Messages", "Conversations/\(conversation)/Messages"] {
                    let path = "\(root)/\(collection)"
                    expectNotFound(try await api.get(path), "GET \(path)")
                    expectNotFound(try await api.post(path, [("Identity", "mallory"), ("Body", "hacked")]), "POST \(path)")
                }
                // The other Service's own lists show nothing of A's, and the attempts above created nothing.
                for list in ["Conversations", "Users", "Roles"] {
                    let page = try await api.get("\(root)/\(list)", [("PageSize", "100")])
                    #expect(page.status == .ok)
                    for secret in secrets { #expect(!page.text.contains(secret), "\(root)/\(list) shows \(secret)") }
                }
                #expect(try await api.get("\(root)/Conversations").records.isEmpty)
                #expect(try await api.get("\(root)/Users").records.isEmpty)
                // A's role is no role at all from here: refused as one that does not exist would be, word for word.
                let missing = "RL" + String(repeating: "0", count: 32)
                for (path, name) in [("\(root)/Users", "RoleSid"), ("/v1/Services/\(service)/Configuration", "DefaultConversationRoleSid")] {
                    let withA = try await api.post(path, [("Identity", "mallory"), (name, role)])
                    let withMissing = try await api.post(path, [("Identity", "mallory"), (name, missing)])
                    #expect(withA.status == .badRequest, "\(path) \(name)=A's role: \(withA.text)")
                    #expect(withA.text.replacingOccurrences(of: role, with: missing) == withMissing.text)
                }
            }

            #expect(try await texts(api, stateOfA) == before)
            // Deleting B takes nothing of A with it.
            #expect(try await api.delete("/v1/Services/\(b)").status == .noContent)
            #expect(try await texts(api, stateOfA) == before)
        }
    }

    @Test func participantsAndMessagesAreScopedByConversation() async throws {
        try await withParley { api in
            let service = try await api.makeService()
            for root in ["/v1", "/v1/Services/\(service)"] {
                let first = "\(root)/Conversations/\(try await api.makeConversation(root, [("UniqueName", "first")]))"
                let second = "\(root)/Conversations/\(try await api.makeConversation(root, [("UniqueName", "second")]))"
                let participant = try sid(of: try await api.post("\(first)/Participants", [("Identity", "alice")]))
                let message = try sid(of: try await api.post("\(first)/Messages", [("Author", "alice"), ("Body", "hi")]))
                _ = try sid(of: try await api.post("\(second)/Participants", [("Identity", "bob")]))
                let state = [first, second].flatMap { ["\($0)/Participants", "\($0)/Messages"] }
                let before = try await texts(api, state)

                for path in [
                    "\(second)/Participants/\(participant)", "\(second)/Participants/alice", "\(root)/Conversations/second/Participants/\(participant)",
                    "\(second)/Messages/\(message)", "\(root)/Conversations/second/Messages/\(message)",
                ] {
                    expectNotFound(try await api.get(path), "GET \(path)")
                    expectNotFound(try await api.post(path, [("Attributes", #"{"hacked":true}"#), ("Body", "hacked")]), "POST \(path)")
                    expectNotFound(try await api.delete(path), "DELETE \(path)")
                }
                #expect(try await texts(api, state) == before)
            }
        }
    }

    @Test func anUnknownServiceIsA404() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation("/v1", [("UniqueName", "room")])
            let state = ["/v1/Services", "/v1/Conversations", "/v1/Users", "/v1/Roles"]
            let before = try await texts(api, state)
            for service in ["IS" + String(repeating: "0123456789abcdef", count: 2), "IS123", "CH" + String(repeating: "a", count: 32), "default"] {
                let root = "/v1/Services/\(service)"
                expectNotFound(try await api.get(root), "GET \(root)")
                expectNotFound(try await api.delete(root), "DELETE \(root)")
                for path in [
                    "Configuration", "Conversations", "Users", "Roles", "Conversations/\(conversation)", "Conversations/room",
                    "Conversations/\(conversation)/Participants", "Conversations/\(conversation)/Messages",
                ] {
                    expectNotFound(try await api.get("\(root)/\(path)"), "GET \(root)/\(path)")
                    let form = [("FriendlyName", "x"), ("Identity", "mallory"), ("Body", "x"), ("Type", "service"), ("Permission", "joinConversation")]
                    expectNotFound(try await api.post("\(root)/\(path)", form), "POST \(root)/\(path)")
                }
            }
            #expect(try await texts(api, state) == before)
        }
    }
}

/// The SID of a 201 answer.
private func sid(of response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    #expect(response.status == .created, "\(response.text)", sourceLocation: sourceLocation)
    return try #require(response["sid"], sourceLocation: sourceLocation)
}

/// The account's default Service, which backs the `/v1/...` family.
private func defaultService(_ api: TestAPI) async throws -> String {
    try #require(try await api.get("/v1/Configuration")["default_chat_service_sid"])
}

/// The bodies of GETs of `paths`, each of which must answer 200.
private func texts(_ api: TestAPI, _ paths: [String]) async throws -> [String] {
    var texts: [String] = []
    for path in paths {
        let response = try await api.get(path)
        #expect(response.status == .ok, "\(path): \(response.text)")
        texts.append(response.text)
    }
    return texts
}

/// A 404 in Twilio's shape, code 20404.
private func expectNotFound(_ response: TestResponse, _ note: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == .notFound, "\(note): \(response.status) \(response.text)", sourceLocation: sourceLocation)
    #expect(response.code == 20404, "\(note): \(response.text)", sourceLocation: sourceLocation)
    #expect(response.json["status"] as? Int == 404, "\(note)", sourceLocation: sourceLocation)
}
