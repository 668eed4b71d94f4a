import Foundation
import ParleyCore
import PostgresTestSupport
import Testing

/// A media message leaves Parley both ways: to a chat client over its socket, and to an SMS participant as a
/// delivery whose content URLs point back at Parley.
struct MediaDeliveryTests {
    @Test func aMediaMessageReachesAChatClientAndAnSMSParticipantsDelivery() async throws {
        try await withLiveParley { api, sockets in
            let service = try await api.defaultServiceSid()
            let conversation = try await api.makeConversation("/v1", [("FriendlyName", "with media")])
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            _ = try await api.post(
                "/v1/Conversations/\(conversation)/Participants",
                [("MessagingBinding.Address", "+15551230001"), ("MessagingBinding.ProxyAddress", "+15559870001")])
            let photo = try #require(
                try await api.upload(service, [UInt8](repeating: 5, count: 3000), contentType: "image/jpeg", filename: "photo.jpg")["sid"])

            try await sockets.connect(as: "alice") { alice in
                _ = try await alice.frames(until: "connected")
                let posted = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "look"), ("MediaSid", photo)])
                #expect(posted.status == .created)
                let frame = try #require(try await alice.frames(until: "messageAdded").last)
                let message = try #require(frame["message"] as? [String: Any])
                let media = try #require(message["media"] as? [[String: Any]])
                #expect(media.count == 1)
                #expect(media.first?["sid"] as? String == photo)
                #expect(media.first?["content_type"] as? String == "image/jpeg")
                #expect(media.first?["size"] as? Int == 3000)

                // The SMS participant's delivery was written with the message: body and a content URL to fetch.
                let messageSid = try #require(posted["sid"])
                let column = { (name: String) in
                    try await api.parley.store.strings("SELECT \(name) FROM channel_deliveries WHERE message_sid = ?", messageSid)
                }
                #expect(try await column("to_address") == ["+15551230001"])
                #expect(try await column("body") == ["look"])
                let mediaURLs = try #require(try await column("media_urls").first)
                let urls = try #require(try JSONSerialization.jsonObject(with: Data(mediaURLs.utf8)) as? [String])
                #expect(urls.count == 1)
                #expect(urls.first?.hasSuffix("/v1/Services/\(service)/Media/\(photo)/Content") == true)
            }
        }
    }
}
