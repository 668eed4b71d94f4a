import Foundation
import Hummingbird
import Testing

/// The token-authenticated client API (`/client/v1/...`), over the router test client.
@Suite struct ClientAPITests {
    @Test func meCanBeFetchedAndUpdated() async throws {
        try await withParley { api in
            let alice = try await api.chatClient("alice")
            let me = try await alice.get("/client/v1/Me")
            #expect(me.status == .ok)
            #expect(me["identity"] == "alice")
            #expect(me["sid"]?.hasPrefix("US") == true)
            #expect(me["url"] == "\(TestCredentials.publicURL)/client/v1/Me")
            #expect(me["role_sid"] == (try await api.roleSid("service user")))

            let updated = try await alice.post("/client/v1/Me", [("FriendlyName", "Alice A."), ("Attributes", #"{"team":"blue"}"#)])
            #expect(updated.status == .ok)
            #expect(updated["friendly_name"] == "Alice A.")
            #expect(updated["attributes"] == #"{"team":"blue"}"#)
            #expect(try await api.get("/v1/Users/alice")["friendly_name"] == "Alice A.")

            // Bad input: the admin API's errors, and nothing changes.
            #expect(try await alice.post("/client/v1/Me", [("Attributes", "{not json")]).code == 50304)
            #expect(try await alice.post("/client/v1/Me", [("FriendlyName", String(repeating: "x", count: 257))]).code == 20001)

            // Without editOwnUserInfo in the service role: 403.
            let reader = try await api.makeRole("reader", type: "service", ["joinConversation"])
            _ = try await api.post("/v1/Users/alice", [("RoleSid", reader)])
            let refused = try await alice.post("/client/v1/Me", [("FriendlyName", "Mallory")])
            #expect(refused.status == .forbidden)
            #expect(refused.code == 20403)
            #expect(try await alice.get("/client/v1/Me")["friendly_name"] == "Alice A.")
        }
    }

    @Test func conversationsAreTheUsersOwnPaged() async throws {
        try await withParley { api in
            let first = try await api.makeConversation("/v1", [("FriendlyName", "first"), ("UniqueName", "first")])
            let second = try await api.makeConversation("/v1", [("FriendlyName", "second")])
            _ = try await api.makeConversation("/v1", [("FriendlyName", "not alice's")])
            for conversation in [first, second] { try await api.join(conversation, "alice") }
            let alice = try await api.chatClient("alice")

            let list = try await alice.get("/client/v1/Conversations")
            #expect(list.status == .ok)
            #expect(list.meta["key"] as? String == "conversations")
            #expect(list.records.compactMap { $0["friendly_name"] as? String } == ["first", "second"])
            let entry = try #require(list.records.first)
            #expect(entry["conversation_sid"] as? String == first)
            #expect(entry["url"] as? String == "\(TestCredentials.publicURL)/client/v1/Conversations/\(first)")
            #expect(entry["notification_level"] as? String == "default")
            #expect(entry["user_sid"] as? String == (try await alice.get("/client/v1/Me"))["sid"])

            let paged = try await alice.get("/client/v1/Conversations", [("PageSize", "1")])
            #expect(paged.records.compactMap { $0["friendly_name"] as? String } == ["first"])
            let next = try #require(paged.meta["next_page_url"] as? String)
            #expect(next.hasPrefix("\(TestCredentials.publicURL)/client/v1/Conversations?"))
            let page2 = try await alice.follow(next)
            #expect(page2.records.compactMap { $0["friendly_name"] as? String } == ["second"])
            #expect(page2.meta["next_page_url"] is NSNull)

            // One conversation, by SID or unique name.
            #expect(try await alice.get("/client/v1/Conversations/\(first)")["conversation_sid"] == first)
            #expect(try await alice.get("/client/v1/Conversations/first")["conversation_sid"] == first)
            #expect(try await alice.get("/client/v1/Conversations", [("PageSize", "0")]).code == 20001)
        }
    }

    @Test func theReadHorizonUpdatesUnreadCounts() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            try await api.join(conversation, "alice")
            for number in 0..<5 { _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "m\(number)")]) }
            let alice = try await api.chatClient("alice")
            let path = "/client/v1/Conversations/\(conversation)"
            #expect(try await alice.get(path).json["unread_messages_count"] is NSNull)

            let read = try await alice.post(path, [("LastReadMessageIndex", "1"), ("NotificationLevel", "muted")])
            #expect(read.status == .ok)
            #expect(read.json["last_read_message_index"] as? Int == 1)
            #expect(read.json["unread_messages_count"] as? Int == 3)
            #expect(read["notification_level"] == "muted")

            _ = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "late")])
            #expect(try await alice.get("/client/v1/Conversations").records.first?["unread_messages_count"] as? Int == 4)
            #expect(try await api.get("/v1/Conversations/\(conversation)/Participants/alice").json["last_read_message_index"] as? Int == 1)

            #expect(try await alice.post(path, [("LastReadMessageIndex", "5")]).json["unread_messages_count"] as? Int == 0)
            #expect(try await alice.post(path, [("LastReadMessageIndex", "-1")]).code == 20001)
            #expect(try await alice.post(path, [("LastReadMessageIndex", "two")]).code == 20001)
            #expect(try await alice.post(path, [("NotificationLevel", "loud")]).code == 20001)
            #expect(try await alice.get(path).json["last_read_message_index"] as? Int == 5)
        }
    }

    @Test func creatingAConversationMakesTheCreatorAParticipant() async throws {
        try await withParley { api in
            let alice = try await api.chatClient("alice")
            let created = try await alice.post(
                "/client/v1/Conversations", [("FriendlyName", "Alice's room"), ("UniqueName", "alices-room"), ("Attributes", #"{"a":1}"#)])
            #expect(created.status == .created, "\(created.text)")
            let sid = try #require(created["conversation_sid"])
            #expect(created["created_by"] == "alice")
            #expect(created["friendly_name"] == "Alice's room")
            #expect(created["unique_name"] == "alices-room")
            #expect(created["attributes"] == #"{"a":1}"#)

            let participant = try await api.get("/v1/Conversations/\(sid)/Participants/alice")
            #expect(participant.status == .ok)
            #expect(participant["sid"] == created["participant_sid"])
            #expect(participant["role_sid"] == (try await api.roleSid("channel admin")))
            #expect(try await api.get("/v1/Users/alice/Conversations/\(sid)")["created_by"] == "alice")
            #expect(try await alice.get("/client/v1/Conversations").records.compactMap { $0["conversation_sid"] as? String } == [sid])

            // Bad input and a taken unique name: the admin API's errors, nothing created.
            #expect(try await alice.post("/client/v1/Conversations", [("UniqueName", "alices-room")]).code == 50353)
            #expect(try await alice.post("/client/v1/Conversations", [("Attributes", "{")]).code == 50304)
            #expect(try await alice.post("/client/v1/Conversations", [("UniqueName", "CH00000000000000000000000000000000")]).code == 50390)

            // Without createConversation in the service role: 403, nothing created.
            let reader = try await api.makeRole("reader", type: "service", ["joinConversation"])
            _ = try await api.post("/v1/Users/alice", [("RoleSid", reader)])
            let refused = try await alice.post("/client/v1/Conversations", [("FriendlyName", "nope")])
            #expect(refused.status == .forbidden)
            #expect(refused.code == 20403)
            #expect(try await api.get("/v1/Conversations").records.count == 1)
        }
    }

    @Test func messagesCanBeSentPagedEditedAndDeleted() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            try await api.join(conversation, "alice")
            let alice = try await api.chatClient("alice")
            let messages = "/client/v1/Conversations/\(conversation)/Messages"

            var sids: [String] = []
            for number in 0..<3 {
                let sent = try await alice.post(messages, [("Body", "hello \(number)"), ("Attributes", #"{"n":\#(number)}"#)])
                #expect(sent.status == .created, "\(sent.text)")
                #expect(sent["author"] == "alice")
                #expect(sent.json["index"] as? Int == number)
                #expect(sent["url"] == "\(TestCredentials.publicURL)\(messages)/\(sent["sid"] ?? "")")
                sids.append(try #require(sent["sid"]))
            }

            let ascending = try await alice.get(messages)
            #expect(ascending.meta["key"] as? String == "messages")
            #expect(ascending.records.compactMap { $0["body"] as? String } == ["hello 0", "hello 1", "hello 2"])
            let descending = try await alice.get(messages, [("Order", "desc"), ("PageSize", "2")])
            #expect(descending.records.compactMap { $0["body"] as? String } == ["hello 2", "hello 1"])
            let rest = try await alice.follow(try #require(descending.meta["next_page_url"] as? String))
            #expect(rest.records.compactMap { $0["body"] as? String } == ["hello 0"])
            #expect(try await alice.get(messages, [("Order", "sideways")]).code == 20001)

            #expect(try await alice.get("\(messages)/\(sids[1])")["body"] == "hello 1")
            let edited = try await alice.post("\(messages)/\(sids[1])", [("Body", "edited")])
            #expect(edited.status == .ok)
            #expect(edited["body"] == "edited")
            #expect(edited["date_updated"] != nil)
            #expect(try await alice.post("\(messages)/\(sids[1])", [("Attributes", #"{"x":true}"#)])["attributes"] == #"{"x":true}"#)
            #expect(try await alice.delete("\(messages)/\(sids[0])").status == .noContent)
            #expect(try await alice.get("\(messages)/\(sids[0])").status == .notFound)
            #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.count == 2)

            // Bad input: the admin API's errors.
            #expect(try await alice.post(messages).code == 20001)
            #expect(try await alice.post(messages, [("Body", "x"), ("Attributes", "{")]).code == 50304)
            #expect(try await alice.post(messages, [("Body", String(repeating: "x", count: 32 * 1024 + 1))]).code == 20001)
            #expect(try await alice.get("\(messages)/IM00000000000000000000000000000000").code == 20404)
        }
    }

    @Test func theAuthorIsAlwaysTheTokensIdentity() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            for identity in ["alice", "bob"] { try await api.join(conversation, identity) }
            let alice = try await api.chatClient("alice")
            let messages = "/client/v1/Conversations/\(conversation)/Messages"
            let sent = try await alice.post(messages, [("Author", "bob"), ("Body", "from bob, honestly")])
            #expect(sent.status == .created)
            #expect(sent["author"] == "alice")
            #expect(sent["participant_sid"] == (try await api.get("/v1/Conversations/\(conversation)/Participants/alice"))["sid"])
            let sid = try #require(sent["sid"])
            // Nor can an edit change it.
            #expect(try await alice.post("\(messages)/\(sid)", [("Author", "bob"), ("Body", "still alice")])["author"] == "alice")
            #expect(try await api.get("/v1/Conversations/\(conversation)/Messages/\(sid)")["author"] == "alice")
        }
    }

    @Test func rolesDecideWhatAMemberMayDo() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            for identity in ["alice", "bob"] { try await api.join(conversation, identity) }
            let alice = try await api.chatClient("alice")
            let bob = try await api.chatClient("bob")
            let messages = "/client/v1/Conversations/\(conversation)/Messages"
            let bobs = try #require(try await bob.post(messages, [("Body", "bob's")])["sid"])

            // The default channel user may not touch another's message.
            try await expectForbidden(alice.post("\(messages)/\(bobs)", [("Body", "mine now")]))
            try await expectForbidden(alice.post("\(messages)/\(bobs)", [("Attributes", #"{"x":1}"#)]))
            try await expectForbidden(alice.delete("\(messages)/\(bobs)"))

            // A role without sendMessage or deleteAnyMessage: 403, and nothing changes.
            let quiet = try await api.makeRole("quiet", type: "conversation", ["leaveConversation", "deleteOwnMessage", "editOwnMessageAttributes"])
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants/alice", [("RoleSid", quiet)])
            try await expectForbidden(alice.post(messages, [("Body", "let me speak")]))
            try await expectForbidden(alice.post("/client/v1/Conversations/\(conversation)", [("NotificationLevel", "muted")]))
            try await expectForbidden(alice.post("/client/v1/Conversations/\(conversation)/Participants", [("Identity", "carol")]))
            #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.compactMap { $0["body"] as? String } == ["bob's"])
            #expect(try await api.get("/v1/Conversations/\(conversation)/Participants").records.count == 2)
            // The read horizon needs no permission.
            #expect(try await alice.post("/client/v1/Conversations/\(conversation)", [("LastReadMessageIndex", "0")]).status == .ok)

            // A moderator role with editAnyMessage and deleteAnyMessage may.
            let moderator = try await api.makeRole("moderator", type: "conversation", ["editAnyMessage", "deleteAnyMessage"])
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants/alice", [("RoleSid", moderator)])
            #expect(try await alice.post("\(messages)/\(bobs)", [("Body", "[moderated]")])["body"] == "[moderated]")
            #expect(try await alice.post("\(messages)/\(bobs)", [("Body", "[moderated]")])["author"] == "bob")
            #expect(try await alice.delete("\(messages)/\(bobs)").status == .noContent)

            // Attribute-only edits may rest on editOwnMessageAttributes; the body may not.
            let attributesOnly = try await api.makeRole("tagger", type: "conversation", ["sendMessage", "editOwnMessageAttributes"])
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants/alice", [("RoleSid", attributesOnly)])
            let own = try #require(try await alice.post(messages, [("Body", "mine")])["sid"])
            #expect(try await alice.post("\(messages)/\(own)", [("Attributes", #"{"tag":"x"}"#)]).status == .ok)
            try await expectForbidden(alice.post("\(messages)/\(own)", [("Body", "changed")]))
            try await expectForbidden(alice.delete("\(messages)/\(own)"))
            #expect(try await api.get("/v1/Conversations/\(conversation)/Messages/\(own)")["body"] == "mine")
        }
    }

    @Test func participantsCanBeAddedAndRemovedWhereTheRoleAllows() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            for identity in ["alice", "bob"] { try await api.join(conversation, identity) }
            let alice = try await api.chatClient("alice")
            let participants = "/client/v1/Conversations/\(conversation)/Participants"

            let list = try await alice.get(participants)
            #expect(list.meta["key"] as? String == "participants")
            #expect(list.records.compactMap { $0["identity"] as? String } == ["alice", "bob"])
            #expect(try await alice.get("\(participants)/bob")["identity"] == "bob")

            // A channel user adds chat participants (with the default role, whatever RoleSid says), not messaging ones.
            let admin = try await api.roleSid("channel admin")
            let carol = try await alice.post(participants, [("Identity", "carol"), ("RoleSid", admin)])
            #expect(carol.status == .created, "\(carol.text)")
            #expect(carol["role_sid"] == (try await api.roleSid("channel user")))
            #expect(try await alice.post(participants, [("Identity", "carol")]).code == 50433)
            #expect(try await alice.post(participants).code == 20001)
            try await expectForbidden(
                alice.post(participants, [("MessagingBinding.Address", "+15550001111"), ("MessagingBinding.ProxyAddress", "+15550002222")]))

            // Removing another needs removeParticipant: not in channel user, granted by the service admin role.
            try await expectForbidden(alice.delete("\(participants)/carol"))
            _ = try await api.post("/v1/Users/alice", [("RoleSid", try await api.roleSid("service admin"))])
            #expect(try await alice.delete("\(participants)/carol").status == .noContent)
            #expect(try await alice.get("\(participants)/carol").status == .notFound)

            // ... or by the conversation role; and it covers messaging participants with addNonChatParticipant.
            _ = try await api.post("/v1/Users/alice", [("RoleSid", try await api.roleSid("service user"))])
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants/alice", [("RoleSid", admin)])
            let sms = try await alice.post(participants, [("MessagingBinding.Address", "+15550001111"), ("MessagingBinding.ProxyAddress", "+15550002222")])
            #expect(sms.status == .created, "\(sms.text)")
            #expect(try await alice.delete("\(participants)/\(try #require(sms["sid"]))").status == .noContent)

            // Leaving needs leaveConversation; afterwards the conversation is gone for her.
            let stay = try await api.makeRole("stay", type: "conversation", ["sendMessage"])
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants/alice", [("RoleSid", stay)])
            try await expectForbidden(alice.delete("\(participants)/alice"))
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants/alice", [("RoleSid", admin)])
            #expect(try await alice.delete("\(participants)/alice").status == .noContent)
            #expect(try await alice.get("/client/v1/Conversations/\(conversation)").status == .notFound)
            #expect(try await alice.get("/client/v1/Conversations").records.isEmpty)
            #expect(try await api.get("/v1/Conversations/\(conversation)/Participants").records.compactMap { $0["identity"] as? String } == ["bob"])
        }
    }

    @Test func aNonMemberGets404ForEveryCall() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation("/v1", [("UniqueName", "private")])
            for identity in ["alice", "bob"] { try await api.join(conversation, identity) }
            let message = try #require(try await api.chatClient("alice").post("/client/v1/Conversations/\(conversation)/Messages", [("Body", "secret")])["sid"])
            let bob = try #require(try await api.get("/v1/Conversations/\(conversation)/Participants/bob")["sid"])
            // Mallory holds the most powerful roles there are, and is in the Service, but not in the conversation.
            _ = try await api.post("/v1/Users", [("Identity", "mallory"), ("RoleSid", try await api.roleSid("service admin"))])
            let mallory = try await api.chatClient("mallory")

            let unknown = "CH00000000000000000000000000000000"
            for target in [conversation, "private", unknown] {
                let root = "/client/v1/Conversations/\(target)"
                let calls: [(HTTPRequest.Method, String, [(String, String)])] = [
                    (.get, root, []),
                    (.post, root, [("LastReadMessageIndex", "0")]),
                    (.post, root, [("NotificationLevel", "muted")]),
                    (.get, "\(root)/Messages", []),
                    (.post, "\(root)/Messages", [("Body", "let me in")]),
                    (.get, "\(root)/Messages/\(message)", []),
                    (.post, "\(root)/Messages/\(message)", [("Body", "defaced")]),
                    (.post, "\(root)/Messages/\(message)", [("Attributes", "{}")]),
                    (.delete, "\(root)/Messages/\(message)", []),
                    (.get, "\(root)/Participants", []),
                    (.post, "\(root)/Participants", [("Identity", "mallory")]),
                    (.post, "\(root)/Participants", [("Identity", "eve")]),
                    (.get, "\(root)/Participants/bob", []),
                    (.get, "\(root)/Participants/\(bob)", []),
                    (.delete, "\(root)/Participants/bob", []),
                    (.delete, "\(root)/Participants/\(bob)", []),
                ]
                for (method, path, form) in calls {
                    let response = try await mallory.request(method, path, form)
                    #expect(response.status == .notFound, "\(method) \(path): \(response.text)")
                    #expect(response.code == 20404, "\(method) \(path)")
                    // The same answer whether the conversation exists or not.
                    #expect(response["message"] == "The requested resource /Conversations/\(target) was not found", "\(method) \(path)")
                }
            }
            #expect(try await mallory.get("/client/v1/Conversations").records.isEmpty)

            // Nothing changed.
            let messages = try await api.get("/v1/Conversations/\(conversation)/Messages")
            #expect(messages.records.compactMap { $0["body"] as? String } == ["secret"])
            let members = try await api.get("/v1/Conversations/\(conversation)/Participants")
            #expect(members.records.compactMap { $0["identity"] as? String } == ["alice", "bob"])
            #expect(members.records.allSatisfy { $0["last_read_message_index"] is NSNull })
        }
    }

    @Test func aTokenReachesOnlyItsOwnService() async throws {
        try await withParley { api in
            let conversation = try await api.makeConversation()
            try await api.join(conversation, "alice")
            let other = try await api.makeService()
            let elsewhere = try await api.chatClient("alice", service: other)
            #expect(try await elsewhere.get("/client/v1/Conversations").records.isEmpty)
            #expect(try await elsewhere.get("/client/v1/Conversations/\(conversation)").status == .notFound)
            #expect(try await elsewhere.post("/client/v1/Conversations/\(conversation)/Messages", [("Body", "hi")]).status == .notFound)
            // A conversation made there lands there.
            let created = try await elsewhere.post("/client/v1/Conversations", [("FriendlyName", "there")])
            #expect(created["chat_service_sid"] == other)
            #expect(try await api.get("/v1/Services/\(other)/Conversations").records.count == 1)
            #expect(try await api.get("/v1/Conversations").records.count == 1)
        }
    }

    @Test func withoutATokenThereIsNoClientAPI() async throws {
        try await withParley { api in
            for path in ["/client/v1/Me", "/client/v1/Conversations"] {
                let anonymous = try await api.authenticated(as: nil).get(path)
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.code == 20101)
                // Account credentials are not a chat user.
                #expect(try await api.get(path).status == .unauthorized)
            }
            let alice = try await api.chatClient("alice")
            let conversation = try await api.makeConversation()
            try await api.join(conversation, "alice")
            // Methods a path does not serve: 405, as on the admin API.
            #expect(try await alice.delete("/client/v1/Conversations/\(conversation)").status == .methodNotAllowed)
            #expect(try await alice.delete("/client/v1/Me").status == .methodNotAllowed)
            #expect(try await alice.get("/client/v1/Nothing").status == .notFound)
        }
    }
}

/// A 403 with Twilio's code 20403.
private func expectForbidden(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == .forbidden, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.code == 20403, sourceLocation: sourceLocation)
}

extension TestAPI {
    /// The same server as the chat user `identity`, with an access token (default Service unless `service`).
    func chatClient(_ identity: String, service: String? = nil) async throws -> TestAPI {
        let key = try await parley.accessTokens.signingKey(accountSid: TestCredentials.accountSid)
        let token = try await parley.accessTokens.mintAccessToken(apiKey: key, identity: identity, serviceSid: service)
        return authenticated(as: "Bearer \(token)")
    }

    /// Adds `identity` to the conversation (default Service) through the admin API.
    func join(_ conversation: String, _ identity: String) async throws {
        let response = try await post("/v1/Conversations/\(conversation)/Participants", [("Identity", identity)])
        #expect(response.status == .created, "\(response.text)")
    }

    /// The SID of the default Service's role named `name`.
    func roleSid(_ name: String) async throws -> String {
        let roles = try await get("/v1/Roles").records
        return try #require(roles.first { $0["friendly_name"] as? String == name }?["sid"] as? String)
    }

    /// Creates a role in the default Service and returns its SID.
    func makeRole(_ name: String, type: String, _ permissions: [String]) async throws -> String {
        let response = try await post("/v1/Roles", [("FriendlyName", name), ("Type", type)] + permissions.map { ("Permission", $0) })
        #expect(response.status == .created, "\(response.text)")
        return try #require(response["sid"])
    }
}
