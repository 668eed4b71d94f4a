import Foundation
import ParleyCore
import Testing

@testable import ParleyHTTP

/// Sync through the twilsock tunnel: objects projected from Parley's tables, pages, subscriptions, events from the
/// durable log (whoever made the change), replay after a reconnect, and isolation.
@Suite struct TwilsockSyncTests {
    /// A conversation made over REST with alice and bob, and `messages` messages in it.
    static func conversation(_ api: TestAPI, messages: Int = 0) async throws -> String {
        let sid = try await api.makeConversation("/v1", [("FriendlyName", "General"), ("UniqueName", "general")])
        for identity in ["alice", "bob"] {
            #expect(try await api.post("/v1/Conversations/\(sid)/Participants", [("Identity", identity)]).status == .created)
        }
        for index in 0..<messages {
            #expect(try await api.post("/v1/Conversations/\(sid)/Messages", [("Author", "system"), ("Body", "message \(index)")]).status == .created)
        }
        return sid
    }

    @Test func objectsAndPagesProjectTheTables() async throws {
        try await withLiveParley { api, sockets in
            let sid = try await Self.conversation(api, messages: 5)
            try await sockets.twilsock(as: "alice") { alice in
                let configuration = try await alice.request("GET", "/Client/v2/Configuration").body
                let syncObjects = try #require(configuration["sync_objects"] as? [String: Any])
                let mine = try #require(syncObjects["my_conversations"] as? String)
                let map = try await alice.request("GET", "/v3/Maps/\(mine)", grant: "data_sync")
                #expect(map.status == 200 && map.body["sid"] as? String == mine)
                let items = try await alice.request("GET", "/v3/Maps/\(mine)/Items", grant: "data_sync").body["items"] as? [[String: Any]]
                let entry = try #require(items?.first)
                #expect(entry["key"] as? String == sid)
                let data = try #require(entry["data"] as? [String: Any])
                #expect(data["status"] as? String == "joined" && data["friendlyName"] as? String == "General")
                #expect(data["messages"] as? String == "\(sid).messages")

                let document = try await alice.request("GET", "/v3/Documents/\(sid).channel", grant: "data_sync").body
                let properties = try #require(document["data"] as? [String: Any])
                #expect(properties["uniqueName"] as? String == "general" && properties["roster"] as? String == "\(sid).roster")
                #expect((properties["lastMessage"] as? [String: Any])?["index"] as? Int == 4)
                #expect(properties["status"] == nil)

                // Messages newest first, two at a time, following the page token.
                let first = try await alice.request(
                    "GET", "/v3/Lists/\(sid).messages/Items", params: ["Order": "desc", "PageSize": "2"], grant: "data_sync").body
                let firstItems = try #require(first["items"] as? [[String: Any]])
                #expect(firstItems.map { $0["index"] as? Int } == [4, 3])
                #expect((firstItems[0]["data"] as? [String: Any])?["text"] as? String == "message 4")
                let token = try #require((first["meta"] as? [String: Any])?["next_token"] as? String)
                let second = try await alice.request("GET", "/v3/Lists/\(sid).messages/Items", params: ["PageToken": token], grant: "data_sync").body
                #expect((second["items"] as? [[String: Any]])?.map { $0["index"] as? Int } == [2, 1])
                // From is inclusive; Index is one item.
                let from = try await alice.request(
                    "GET", "/v3/Lists/\(sid).messages/Items", params: ["From": "3", "Order": "desc", "PageSize": "10"], grant: "data_sync").body
                #expect((from["items"] as? [[String: Any]])?.map { $0["index"] as? Int } == [3, 2, 1, 0])
                let one = try await alice.request("GET", "/v3/Lists/\(sid).messages/Items", params: ["Index": "2"], grant: "data_sync").body
                #expect((one["items"] as? [[String: Any]])?.map { $0["index"] as? Int } == [2])

                let roster = try await alice.request("GET", "/v3/Maps/\(sid).roster/Items", grant: "data_sync").body["items"] as? [[String: Any]]
                #expect(Set(roster?.compactMap { ($0["data"] as? [String: Any])?["identity"] as? String } ?? []) == ["alice", "bob"])
                let bobInfo = try await alice.request("GET", "/v3/Maps/bob.info/Items", params: ["Key": "friendlyName"], grant: "data_sync").body
                #expect((bobInfo["items"] as? [[String: Any]])?.count == 1)

                // Read-only, and a bad page token is a 400.
                let write = try await alice.request("POST", "/v3/Lists/\(sid).messages/Items", json: ["data": [:]], grant: "data_sync")
                #expect(write.status == 403)
                let badToken = try await alice.request("GET", "/v3/Lists/\(sid).messages/Items", params: ["PageToken": "nope"], grant: "data_sync")
                #expect(badToken.status == 400)
            }
        }
    }

    @Test func subscriptionsReceiveEveryChangeWhoeverMadeIt() async throws {
        try await withLiveParley { api, sockets in
            let sid = try await Self.conversation(api)
            try await sockets.twilsock(as: "bob") { bob in
                let list = try await bob.request("GET", "/v3/Lists/\(sid).messages", grant: "data_sync").body
                let since = Int64(try #require(list["last_event_id"] as? Int))
                let established = try await bob.subscribe([
                    ("\(sid).messages", "list", since), ("\(sid).roster", "map", since), ("\(sid).channel", "document", since),
                ])
                #expect(established["event_type"] as? String == "subscription_established")
                #expect((established["events"] as? [[String: Any]])?.count == 3)

                // A message over the admin REST API arrives as list_item_added.
                _ = try await api.post("/v1/Conversations/\(sid)/Messages", [("Author", "system"), ("Body", "from REST")])
                let added = try await bob.notification("com.twilio.rtd.cds.list") { $0["event_type"] as? String == "list_item_added" }
                let event = try #require(added["event"] as? [String: Any])
                #expect(event["item_index"] as? Int == 0 && event["list_sid"] as? String == "\(sid).messages")
                #expect((event["item_data"] as? [String: Any])?["text"] as? String == "from REST")
                let firstId = try #require(event["id"] as? Int)
                #expect(firstId > since)

                // A participant, a rename: the roster and the document.
                _ = try await api.post("/v1/Conversations/\(sid)/Participants", [("Identity", "carol")])
                let joined = try await bob.notification("com.twilio.rtd.cds.map") { $0["event_type"] as? String == "map_item_added" }
                #expect(((joined["event"] as? [String: Any])?["item_data"] as? [String: Any])?["identity"] as? String == "carol")
                _ = try await api.post("/v1/Conversations/\(sid)", [("FriendlyName", "Renamed")])
                let renamed = try await bob.notification("com.twilio.rtd.cds.document")
                let documentEvent = try #require(renamed["event"] as? [String: Any])
                #expect((documentEvent["document_data"] as? [String: Any])?["friendlyName"] as? String == "Renamed")
                #expect(try #require(documentEvent["id"] as? Int) > firstId)

                // Typing, over the tunnel from alice's socket.
                try await sockets.twilsock(as: "alice") { alice in
                    let typed = try await alice.request("POST", "/Client/v2/typing", form: "ChannelSid=\(sid)")
                    #expect(typed.status == 200 && typed.body["typing_timeout"] != nil)
                }
                let typing = try await bob.notification("twilio.ipmsg.typing_indicator")
                #expect(typing["channel_sid"] as? String == sid && typing["identity"] as? String == "alice")
            }
        }
    }

    @Test func aReconnectReplaysWhatWasMissedInOrderOnce() async throws {
        try await withLiveParley { api, sockets in
            let sid = try await Self.conversation(api)
            let since = Int64(try await sockets.parley.eventLog.latestSeq())
            for body in ["missed 1", "missed 2"] {
                _ = try await api.post("/v1/Conversations/\(sid)/Messages", [("Author", "system"), ("Body", body)])
            }
            try await sockets.twilsock(as: "bob") { bob in
                let established = try await bob.subscribe([("\(sid).messages", "list", since)])
                // The replay came first, on twilio.sync.event, in order.
                let replayed = bob.pendingNotifications("twilio.sync.event").filter { $0["event_type"] as? String == "list_item_added" }
                #expect(replayed.compactMap { (($0["event"] as? [String: Any])?["item_data"] as? [String: Any])?["text"] as? String } == ["missed 1", "missed 2"])
                let lastReplayed = (replayed.last?["event"] as? [String: Any])?["id"] as? Int
                let status = (established["events"] as? [[String: Any]])?.first
                #expect(status?["replay_status"] as? String == "completed")
                #expect(status?["last_event_id"] as? Int == lastReplayed)
                // Live events continue after the replay, and nothing replayed is sent again: the first live list
                // event (events arrive in order) is the new message.
                _ = try await api.post("/v1/Conversations/\(sid)/Messages", [("Author", "system"), ("Body", "live")])
                let live = try await bob.notification("com.twilio.rtd.cds.list")
                #expect(((live["event"] as? [String: Any])?["item_data"] as? [String: Any])?["text"] as? String == "live")
                #expect(bob.pendingNotifications("twilio.sync.event").filter { $0["event_type"] as? String == "list_item_added" }.count == 2)
            }
        }
    }

    @Test func aClientBehindThePrunedLogIsSentTheCurrentState() async throws {
        try await withLiveParley { api, sockets in
            let sid = try await Self.conversation(api, messages: 1)
            let since = Int64(try await sockets.parley.eventLog.latestSeq())
            _ = try await api.post("/v1/Conversations/\(sid)/Messages", [("Author", "system"), ("Body", "missed")])
            _ = try await api.post("/v1/Conversations/\(sid)", [("FriendlyName", "Renamed while away")])
            #expect(try await sockets.parley.eventLog.prune(retention: -60) > 0)
            let latest = Int64(try await sockets.parley.eventLog.latestSeq())
            try await sockets.twilsock(as: "bob") { bob in
                let established = try await bob.subscribe([("\(sid).messages", "list", since), ("\(sid).channel", "document", since)])
                let resent = bob.pendingNotifications("twilio.sync.event")
                let texts = resent.compactMap { (($0["event"] as? [String: Any])?["item_data"] as? [String: Any])?["text"] as? String }
                #expect(texts == ["message 0", "missed"])
                let document = resent.first { $0["event_type"] as? String == "document_updated" }
                #expect(((document?["event"] as? [String: Any])?["document_data"] as? [String: Any])?["friendlyName"] as? String == "Renamed while away")
                let statuses = established["events"] as? [[String: Any]] ?? []
                #expect(statuses.map { $0["last_event_id"] as? Int } == [Int(latest), Int(latest)])
            }
        }
    }

    @Test func aNonMemberSeesAndHearsNothing() async throws {
        try await withLiveParley { api, sockets in
            let sid = try await Self.conversation(api, messages: 1)
            try await sockets.twilsock(as: "alice") { alice in
                let aliceConfiguration = try await alice.request("GET", "/Client/v2/Configuration").body
                let alicesMap = try #require((aliceConfiguration["sync_objects"] as? [String: Any])?["my_conversations"] as? String)
                try await sockets.twilsock(as: "dave") { dave in
                    for path in ["/v3/Documents/\(sid).channel", "/v3/Lists/\(sid).messages", "/v3/Lists/\(sid).messages/Items", "/v3/Maps/\(sid).roster/Items",
                        "/v3/Maps/\(alicesMap)", "/v3/Maps/alice.info/Items"]
                    {
                        let answer = try await dave.request("GET", path, grant: "data_sync")
                        #expect(answer.status == 404, "\(path): \(answer.status)")
                        #expect(answer.body["items"] == nil && answer.body["data"] == nil)
                    }
                    for (method, path) in [("GET", "/Client/v2/Conversations/\(sid)"), ("GET", "/Client/v2/Conversations/general"),
                        ("GET", "/Client/v2/Users/dave/Conversations/\(sid)")]
                    {
                        #expect(try await dave.request(method, path).status == 404, "\(method) \(path)")
                    }
                    let send = try await dave.request("POST", "/Client/v2/Conversations/\(sid)/Messages", json: ["body": "let me in"])
                    #expect(send.status == 404)
                    let typing = try await dave.request("POST", "/Client/v2/typing", form: "ChannelSid=\(sid)")
                    #expect(typing.status == 404)
                    let refused = try await dave.subscribe([("\(sid).messages", "list", 0)])
                    #expect(refused["event_type"] as? String == "subscription_failed")
                    // A message to the conversation reaches alice and not dave.
                    _ = try await alice.subscribe([("\(sid).messages", "list", try await sockets.parley.eventLog.latestSeq())])
                    _ = try await api.post("/v1/Conversations/\(sid)/Messages", [("Author", "system"), ("Body", "members only")])
                    _ = try await alice.notification("com.twilio.rtd.cds.list")
                    try await dave.drain(for: 0.5)
                    #expect(dave.pendingNotifications("com.twilio.rtd.cds.list").isEmpty)
                    #expect(try await api.get("/v1/Conversations/\(sid)/Messages").records.count == 2)
                }
            }
        }
    }
}
