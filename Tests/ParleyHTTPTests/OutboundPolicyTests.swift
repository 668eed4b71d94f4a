import Foundation
import Hummingbird
import ParleyCore
import Testing

/// Outgoing requests to addresses outsiders choose (inbound `MediaUrlN`, webhook URLs) reach only public addresses
/// unless the server allows more, and the inbound media fetch cannot hold Twilio's webhook.
@Suite struct OutboundPolicyTests {
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47] + [UInt8](repeating: 7, count: 500)

    @Test func loopbackMediaIsKeptAsAReferenceAndNeverFetched() async throws {
        try await RemoteFileServer.serving(["/media/cat.png": .init(contentType: "image/png", bytes: png)]) { base, hits in
            let port = try #require(URL(string: base)?.port)
            let urls = [
                "\(base)/media/cat.png", "http://0x7f000001:\(port)/media/cat.png", "http://[::ffff:127.0.0.1]:\(port)/media/cat.png",
                "http://localhost:\(port)/media/cat.png", "http://2130706433:\(port)/media/cat.png",
            ]
            try await withChannelParley(outbound: OutboundHTTP()) { api in
                let (conversation, media) = try await api.inboundMedia(urls)
                #expect(media.count == urls.count, "\(conversation)")
                let service = try await api.defaultServiceSid()
                for (item, url) in zip(media, urls) {
                    let content = try await api.download("/v1/Services/\(service)/Media/\(try #require(item["sid"] as? String))/Content")
                    #expect(content.status == .found && content.headers[.location] == url, "\(url) was fetched")
                }
                #expect(hits() == 0)
                #expect(try api.storedFiles().isEmpty)
            }
        }
    }

    @Test func aRedirectFromAnAllowedHostToARefusedOneIsNotFollowed() async throws {
        let files: [String: RemoteFileServer.File] = [
            "/media/cat.png": .init(contentType: "image/png", bytes: png),
            "/go": .init(contentType: "text/plain", bytes: [], redirectPath: "/media/cat.png"),
        ]
        try await RemoteFileServer.serving(files) { base, hits in
            let port = try #require(URL(string: base)?.port)
            let start = "http://localhost:\(port)/go"
            // localhost is allowed by name; the redirect leads to 127.0.0.1, which is not allowed.
            try await withChannelParley(outbound: OutboundHTTP(policy: try OutboundPolicy(allowing: "localhost"))) { api in
                let (_, media) = try await api.inboundMedia([start])
                let service = try await api.defaultServiceSid()
                let content = try await api.download("/v1/Services/\(service)/Media/\(try #require(media.first?["sid"] as? String))/Content")
                #expect(content.status == .found && content.headers[.location] == start)
                #expect(hits() == 1, "only the redirect itself was requested")
                #expect(try api.storedFiles().isEmpty)
            }
            // Allowing both, the redirect is followed (by hand) and the content stored.
            try await withChannelParley(outbound: OutboundHTTP(policy: try OutboundPolicy(allowing: "localhost, 127.0.0.1"))) { api in
                let (_, media) = try await api.inboundMedia([start])
                #expect(media.first?["size"] as? Int == png.count)
                #expect(hits() == 3)
            }
        }
    }

    @Test func aResolvedNameIsFetchedFromTheAddressThatWasChecked() async throws {
        try await RemoteFileServer.serving(["/media/cat.png": .init(contentType: "image/png", bytes: png)]) { base, hits in
            let port = try #require(URL(string: base)?.port)
            // No DNS knows media.example.test: the fetch reaches the server only through the answer that was checked.
            let url = "http://media.example.test:\(port)/media/cat.png"
            let loopback = try #require(IPAddress("127.0.0.1"))
            let answered = OutboundHTTP(policy: try OutboundPolicy(allowing: "127.0.0.1"), resolve: { _ in [loopback] })
            try await withChannelParley(outbound: answered) { api in
                let media = try await api.inboundMedia([url]).media
                #expect(media.first?["size"] as? Int == png.count)
            }
            // Every address must pass: one private address among public ones is refused, as is the private one alone.
            for addresses in [[loopback], [try #require(IPAddress("93.184.216.34")), loopback]] {
                try await withChannelParley(outbound: OutboundHTTP(resolve: { _ in addresses })) { api in
                    let media = try await api.inboundMedia([url]).media
                    #expect(media.first?["size"] as? Int == 0, "\(addresses)")
                }
            }
            #expect(hits() == 1)
        }
    }

    @Test func aSlowMediaBodyDoesNotHoldTheInboundWebhook() async throws {
        let slow = RemoteFileServer.File(contentType: "image/png", bytes: png, bytePause: .seconds(1))
        try await RemoteFileServer.serving(["/media/slow.png": slow]) { base, _ in
            try await withChannelParley { api in
                let elapsed = try await api.timedInbound(["\(base)/media/slow.png"])
                #expect(elapsed < .seconds(12), "the inbound webhook took \(elapsed)")
            }
        }
    }

    @Test func tenMediaURLsThatNeverAnswerDoNotHoldTheInboundWebhook() async throws {
        let silent = RemoteFileServer.File(contentType: "image/png", bytes: png, headDelay: .seconds(3600))
        try await RemoteFileServer.serving(["/media/silent.png": silent]) { base, _ in
            try await withChannelParley { api in
                let elapsed = try await api.timedInbound((0..<10).map { "\(base)/media/silent.png?n=\($0)" })
                #expect(elapsed < .seconds(12), "the inbound webhook took \(elapsed)")
            }
        }
    }

    @Test func webhookURLsToRefusedAddressesGet400AndChangeNothing() async throws {
        try await withWebhookParley(outbound: OutboundHTTP()) { api in
            let service = try await api.makeService()
            let conversation = try await api.makeConversation()
            let refused = [
                "http://127.0.0.1:9/hook", "http://localhost/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]:8080/",
                "http://0x7f000001/", "https://10.1.2.3/hook", "http://[::ffff:169.254.169.254]/", "http://LOCALHOST./x",
            ]
            for url in refused {
                for (path, name) in [
                    ("/v1/Configuration/Webhooks", "PostWebhookUrl"), ("/v1/Configuration/Webhooks", "PreWebhookUrl"),
                    ("/v1/Services/\(service)/Configuration/Webhooks", "PostWebhookUrl"),
                ] {
                    let answer = try await api.post(path, [(name, url), ("Filters", "onMessageAdded")])
                    #expect(answer.status == .badRequest && answer.code == 20001, "\(path) \(name)=\(url): \(answer.text)")
                    #expect(answer["message"]?.contains(name) == true, "\(answer.text)")
                }
                let hook = try await api.post("/v1/Conversations/\(conversation)/Webhooks", [("Target", "webhook"), ("Configuration.Url", url)])
                #expect(hook.status == .badRequest && hook.code == 20001, "Configuration.Url=\(url): \(hook.text)")
                let address = try await api.post(
                    "/v1/Configuration/Addresses", [("Type", "sms"), ("Address", "+15550001111"), ("AutoCreation.WebhookUrl", url)])
                #expect(address.status == .badRequest && address.code == 20001, "AutoCreation.WebhookUrl=\(url): \(address.text)")
            }
            #expect(try await api.get("/v1/Configuration/Webhooks").json["post_webhook_url"] is NSNull)
            #expect(try await api.get("/v1/Conversations/\(conversation)/Webhooks").records.isEmpty)
            #expect(try await api.get("/v1/Configuration/Addresses").records.isEmpty)

            // Public addresses and names (checked when sent) are taken.
            for url in ["https://93.184.216.34/hook", "https://hooks.example.com/hook"] {
                #expect(try await api.post("/v1/Configuration/Webhooks", [("PostWebhookUrl", url)]).status == .ok, "\(url)")
            }
        }
    }

    @Test func aWebhookToANameThatResolvesToLoopbackIsAFailedDelivery() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-outbound-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withWebhookReceiver { receiver in
            // Configured while localhost was allowed (or before the policy existed): a name is taken when configured.
            try await withWebhookParley(directory: directory, outbound: OutboundHTTP(policy: try OutboundPolicy(allowing: "localhost"))) { api in
                let url = "http://localhost:\(receiver.port)/hook/named"
                let configured = try await api.post(
                    "/v1/Configuration/Webhooks", [("PostWebhookUrl", url), ("PreWebhookUrl", url), ("Filters", "onConversationAdded"), ("Filters", "onConversationAdd")])
                #expect(configured.status == .ok, "\(configured.text)")
            }
            try await withWebhookParley(directory: directory, outbound: OutboundHTTP()) { api in
                // The refused pre-action call counts as no answer: the change goes ahead.
                #expect(try await api.postFiring("/v1/Conversations").status == .created)
                let failed = try await eventually { try await api.get("/v1/Webhooks/Failures").records.count == 1 }
                #expect(failed)
                let failure = try await api.get("/v1/Webhooks/Failures").records.first
                let error = failure?["last_error"] as? String ?? ""
                #expect(error.contains("loopback") && error.contains("localhost"), "\(error)")
                #expect(receiver.requests.isEmpty)
            }
        }
    }
}

extension TestAPI {
    /// Sends an inbound message carrying `urls` as its media to a new conversation with an SMS binding; returns the
    /// conversation and the message's media.
    func inboundMedia(_ urls: [String]) async throws -> (conversation: String, media: [[String: Any]]) {
        let conversation = try await makeConversation()
        let from = "+1555\(Int.random(in: 1_000_000...9_999_999))"
        _ = try await addMessagingParticipant(conversation, address: from, proxy: "+15552229999")
        var form = TestAPI.incoming(from: from, to: "+15552229999", body: "")
        form.removeAll { $0.0 == "NumMedia" }
        form.append(("NumMedia", String(urls.count)))
        for (index, url) in urls.enumerated() { form += [("MediaUrl\(index)", url), ("MediaContentType\(index)", "image/png")] }
        let answer = try await inbound(form)
        #expect(answer.status == .ok, "\(answer.text)")
        let message = try #require(try await get("/v1/Conversations/\(conversation)/Messages").records.first)
        return (conversation, message["media"] as? [[String: Any]] ?? [])
    }

    /// How long an inbound message with `urls` as its media took to be answered; gives up (recording an issue)
    /// after 30 s, so the test stays bounded however long the server would hold it.
    func timedInbound(_ urls: [String]) async throws -> Duration {
        let started = ContinuousClock.now
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try await self.inboundMedia(urls)
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !answered { Issue.record("no answer within 30 s") }
        return ContinuousClock.now - started
    }
}
