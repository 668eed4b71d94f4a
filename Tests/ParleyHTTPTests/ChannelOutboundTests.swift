import Foundation
import Hummingbird
import ParleyCore
import Synchronization
import Testing

/// Outbound deliveries: fan-out through a local fake Twilio, receipts, status callbacks, retries, restart resume,
/// the two-number proxy, the sandbox transport.
@Suite struct ChannelOutboundTests {
    static func twilio(_ base: String) -> @Sendable (Store) -> any ChannelTransport {
        { _ in
            TwilioTransport(
                baseURL: base, accountSid: FakeTwilio.accountSid, authToken: FakeTwilio.authToken, publicURL: TestCredentials.publicURL,
                timeout: .milliseconds(500))
        }
    }

    @Test func fanOutToSMSAndWhatsAppWithReceiptsAndStatusCallbacks() async throws {
        let fake = FakeTwilio()
        try await fake.run { base in
            try await withChannelParley(makeTransport: Self.twilio(base)) { api in
                let conversation = try await api.makeConversation()
                _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
                let sms = try await api.addMessagingParticipant(conversation, address: "+15551110001", proxy: "+15552220001")
                let whatsapp = try await api.addMessagingParticipant(conversation, address: "whatsapp:+15551110002", proxy: "whatsapp:+15552220002")
                let posted = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Author", "alice"), ("Body", "hello, channels")])
                #expect(posted.status == .created)
                let delivery = try #require(posted.json["delivery"] as? [String: Any])
                #expect(delivery["total"] as? Int == 2)
                let message = try #require(posted["sid"])

                #expect(try await eventually { try await api.receipts(conversation, message).allSatisfy { $0["status"] as? String == "sent" } })
                let receipts = try await api.receipts(conversation, message)
                #expect(receipts.count == 2)
                #expect(Set(receipts.compactMap { $0["participant_sid"] as? String }) == [sms, whatsapp])
                #expect(receipts.allSatisfy { ($0["sid"] as? String)?.hasPrefix("DY") == true && ($0["channel_message_sid"] as? String)?.hasPrefix("SM") == true })

                let sent = fake.sent
                #expect(sent.count == 2)
                let bySMS = try #require(sent.first { $0["To"] == "+15551110001" })
                #expect(bySMS["From"] == "+15552220001")
                #expect(bySMS["Body"] == "hello, channels")
                #expect(bySMS["StatusCallback"] == "\(TestCredentials.publicURL)/inbound/status")
                #expect(bySMS.authorization == "Basic " + Data("\(FakeTwilio.accountSid):\(FakeTwilio.authToken)".utf8).base64EncodedString())
                #expect(sent.first { $0["To"] == "whatsapp:+15551110002" }?["From"] == "whatsapp:+15552220002")

                let fetched = try await api.get("/v1/Conversations/\(conversation)/Messages/\(message)")
                #expect((fetched.json["delivery"] as? [String: Any])?["sent"] as? String == "all")

                // A status callback moves one receipt to delivered.
                let smsReceipt = try #require(receipts.first { $0["participant_sid"] as? String == sms })
                let channelSid = try #require(smsReceipt["channel_message_sid"] as? String)
                let callback = try await api.inbound([("AccountSid", TestCredentials.accountSid), ("MessageSid", channelSid), ("MessageStatus", "delivered")], path: "/inbound/status")
                #expect(callback.status == .noContent, "\(callback.text)")
                let receiptSid = try #require(smsReceipt["sid"] as? String)
                let one = try await api.get("/v1/Conversations/\(conversation)/Messages/\(message)/Receipts/\(receiptSid)")
                #expect(one["status"] == "delivered")
                let summary = try #require(try await api.get("/v1/Conversations/\(conversation)/Messages/\(message)").json["delivery"] as? [String: Any])
                #expect(summary["delivered"] as? String == "some")
                #expect(summary["sent"] as? String == "all")

                // A late "sent" does not move it back; a failure with its code on the other one.
                _ = try await api.inbound([("AccountSid", TestCredentials.accountSid), ("MessageSid", channelSid), ("MessageStatus", "sent")], path: "/inbound/status")
                #expect(try await api.get("/v1/Conversations/\(conversation)/Messages/\(message)/Receipts/\(receiptSid)")["status"] == "delivered")
                let other = try #require(receipts.first { $0["participant_sid"] as? String == whatsapp }?["channel_message_sid"] as? String)
                _ = try await api.inbound([("AccountSid", TestCredentials.accountSid), ("MessageSid", other), ("MessageStatus", "undelivered"), ("ErrorCode", "30003")], path: "/inbound/status")
                let failed = try await api.receipts(conversation, message).first { $0["participant_sid"] as? String == whatsapp }
                #expect(failed?["status"] as? String == "undelivered")
                #expect(failed?["error_code"] as? Int == 30003)

                // Unknown messages and statuses are refused.
                let unknown = try await api.inbound([("AccountSid", TestCredentials.accountSid), ("MessageSid", "SM0000000000000000000000000000dead"), ("MessageStatus", "delivered")], path: "/inbound/status")
                #expect(unknown.status == .notFound)
                let badStatus = try await api.inbound([("AccountSid", TestCredentials.accountSid), ("MessageSid", channelSid), ("MessageStatus", "teleported")], path: "/inbound/status")
                #expect(badStatus.status == .badRequest)
            }
        }
    }

    @Test func retriesAfter500sAndGivesUpAtTheLimit() async throws {
        let fake = FakeTwilio()
        fake.script([500, 503])
        try await fake.run { base in
            try await withChannelParley(backoff: Backoff(base: 0.01, cap: 0.05, maxAttempts: 3), makeTransport: Self.twilio(base)) { api in
                let conversation = try await api.makeConversation()
                _ = try await api.addMessagingParticipant(conversation, address: "+15551110010", proxy: "+15552220010")
                let message = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "retry me")])["sid"])
                #expect(try await eventually { try await api.receipts(conversation, message).first?["status"] as? String == "sent" })
                #expect(fake.sent.count == 3)
                let receipt = try #require(try await api.receipts(conversation, message).first?["sid"] as? String)
                let state = try await api.parley.store.read { tx in try tx.deliveryState(receiptSid: receipt) }
                #expect(state?.status == "sent")
                #expect(state?.attempts == 3)

                // Always 500: the receipt fails once the attempts are spent.
                fake.script([500, 500, 500, 500])
                let doomed = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "never")])["sid"])
                #expect(try await eventually { try await api.receipts(conversation, doomed).first?["status"] as? String == "failed" })
                #expect(try await api.receipts(conversation, doomed).first?["error_code"] as? Int == 30008)

                // A 4xx is final at once, with Twilio's code.
                fake.script([400])
                let rejected = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "bad number")])["sid"])
                #expect(try await eventually { try await api.receipts(conversation, rejected).first?["status"] as? String == "failed" })
                #expect(try await api.receipts(conversation, rejected).first?["error_code"] as? Int == 21211)
            }
        }
    }

    @Test func aHangingReceiverDoesNotBlockOtherDeliveries() async throws {
        let fake = FakeTwilio()
        try await fake.run { base in
            try await withChannelParley(backoff: Backoff(base: 5, cap: 5, maxAttempts: 5), makeTransport: Self.twilio(base)) { api in
                let conversation = try await api.makeConversation()
                _ = try await api.addMessagingParticipant(conversation, address: FakeTwilio.hangingNumber, proxy: "+15552220020")
                let hanging = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "into the void")])["sid"])
                let other = try await api.makeConversation()
                _ = try await api.addMessagingParticipant(other, address: "+15551110021", proxy: "+15552220021")
                let fine = try #require(try await api.post("/v1/Conversations/\(other)/Messages", [("Body", "through")])["sid"])
                #expect(try await eventually { try await api.receipts(other, fine).first?["status"] as? String == "sent" })
                #expect(try await api.receipts(conversation, hanging).first?["status"] as? String == "queued")
            }
        }
    }

    @Test func pendingDeliveriesResumeAfterARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ids = IDs()
        // First life: no worker runs, so the delivery stays pending in the database.
        try await withChannelParley(directory: directory, makeTransport: nil) { api in
            let conversation = try await api.makeConversation()
            _ = try await api.addMessagingParticipant(conversation, address: "+15551110030", proxy: "+15552220030")
            let message = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "after restart")])["sid"])
            #expect(try await api.receipts(conversation, message).first?["status"] as? String == "queued")
            ids.value.withLock { $0 = (conversation, message) }
        }
        let fake = FakeTwilio()
        try await fake.run { base in
            try await withChannelParley(directory: directory, makeTransport: Self.twilio(base)) { (api: TestAPI) async throws in
                let (conversation, message) = ids.value.withLock { $0 }
                #expect(try await eventually { try await api.receipts(conversation, message).first?["status"] as? String == "sent" })
                #expect(fake.sent.first?["Body"] == "after restart")
            }
        }
    }

    @Test func twoNumberProxyCarriesEachSideFromTheOtherSidesProxy() async throws {
        let fake = FakeTwilio()
        try await fake.run { base in
            try await withChannelParley(makeTransport: Self.twilio(base)) { api in
                let conversation = try await api.makeConversation()
                _ = try await api.addMessagingParticipant(conversation, address: "+15551110041", proxy: "+15552220041")  // A
                _ = try await api.addMessagingParticipant(conversation, address: "+15551110042", proxy: "+15552220042")  // B
                #expect(try await api.inbound(TestAPI.incoming(from: "+15551110041", to: "+15552220041", body: "A to B")).status == .ok)
                #expect(try await eventually { fake.sent.count == 1 })
                #expect(fake.sent[0]["From"] == "+15552220042")
                #expect(fake.sent[0]["To"] == "+15551110042")
                #expect(fake.sent[0]["Body"] == "A to B")
                #expect(try await api.inbound(TestAPI.incoming(from: "+15551110042", to: "+15552220042", body: "B to A")).status == .ok)
                #expect(try await eventually { fake.sent.count == 2 })
                #expect(fake.sent[1]["From"] == "+15552220041")
                #expect(fake.sent[1]["To"] == "+15551110041")
                #expect(fake.sent[1]["Body"] == "B to A")
            }
        }
    }

    @Test func webhookTransportPostsJSONWithAnIdempotencyToken() async throws {
        let fake = FakeTwilio()
        try await fake.run { base in
            try await withChannelParley(makeTransport: { _ in WebhookTransport(url: "\(base)/gateway", publicURL: TestCredentials.publicURL) }) { api in
                let conversation = try await api.makeConversation()
                let participant = try await api.addMessagingParticipant(conversation, address: "messenger:4711", proxy: "messenger:page-1")
                let message = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "via the gateway")])["sid"])
                #expect(try await eventually { try await api.receipts(conversation, message).first?["status"] as? String == "sent" })
                let receipt = try #require(try await api.receipts(conversation, message).first)
                #expect(receipt["participant_sid"] as? String == participant)
                #expect(receipt["channel_message_sid"] as? String == "SM0123456789abcdef0123456789abcdef")
                let posted = try #require(fake.gatewayPosts.first)
                #expect(posted.idempotencyToken == receipt["sid"] as? String)
                #expect(posted.json["channel"] as? String == "messenger")
                #expect(posted.json["from"] as? String == "messenger:page-1")
                #expect(posted.json["to"] as? String == "messenger:4711")
                #expect(posted.json["body"] as? String == "via the gateway")
                #expect(posted.json["message_sid"] as? String == message)
            }
        }
    }

    @Test func sandboxRecordsDeliveriesAndOverlongBodiesFailAtOnce() async throws {
        try await withChannelParley { api in
            let conversation = try await api.makeConversation()
            _ = try await api.addMessagingParticipant(conversation, address: "+15551110050", proxy: "+15552220050")
            let message = try #require(try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", "into the sandbox")])["sid"])
            #expect(try await eventually { try await api.receipts(conversation, message).first?["status"] as? String == "sent" })
            let log = try await api.get("/v1/Sandbox/Deliveries").records
            #expect(log.count == 1)
            #expect(log.first?["to"] as? String == "+15551110050")
            #expect(log.first?["from"] as? String == "+15552220050")
            #expect(log.first?["body"] as? String == "into the sandbox")

            let long = try await api.post("/v1/Conversations/\(conversation)/Messages", [("Body", String(repeating: "x", count: 1601))])
            #expect(long.status == .created)
            #expect((long.json["delivery"] as? [String: Any])?["failed"] as? String == "all")
            let receipt = try await api.receipts(conversation, try #require(long["sid"])).first
            #expect(receipt?["error_code"] as? Int == 21617)
        }
    }
}

/// What the first life of the restart test leaves for the second.
final class IDs: Sendable {
    let value = Mutex<(String, String)>(("", ""))
}
