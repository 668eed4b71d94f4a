import Foundation
import Hummingbird
import Testing

@testable import ParleyCore

/// Two accounts in one database: every list that reads across tables shows each account its own rows only.
@Suite struct AccountPartitioningTests {
    @Test func everyAccountWideListShowsOnlyTheCallersAccount() async throws {
        try await withChannelParley { api in
            let other = try await api.makeSecondAccount()
            let b = api.authenticated(as: other.basic)

            // Account B's world: a conversation with an SMS participant and a chat user, a message that the sandbox
            // transport "sends", an address configuration, a failed webhook delivery, a Service.
            let conversation = try await b.makeConversation("/v1", [("FriendlyName", "B's room")])
            _ = try await b.addMessagingParticipant(conversation, address: "+15557770001", proxy: "+15557770002")
            #expect(try await b.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "bob")]).status == .created)
            #expect(try await b.post("/v1/Conversations/\(conversation)/Messages", [("Body", "B's secret"), ("Author", "bob")]).status == .created)
            #expect(
                try await b.post("/v1/Configuration/Addresses", [("Type", "sms"), ("Address", "+15557770002"), ("FriendlyName", "B's number")])
                    .status == .created)
            let bService = try await b.makeService("B's second")
            try await api.parley.store.write { tx in try tx.insert(failedDelivery(accountSid: other.sid)) }
            #expect(try await eventually { try await b.get("/v1/Sandbox/Deliveries").records.count == 1 })

            // B sees its own rows...
            #expect(try await b.get("/v1/Sandbox/Deliveries").text.contains("B's secret"))
            #expect(try await b.get("/v1/Webhooks/Failures").records.count == 1)
            #expect(try await b.get("/v1/Configuration/Addresses").records.count == 1)
            #expect(try await b.get("/v1/ParticipantConversations", [("Address", "+15557770001")]).records.count == 1)

            // ... and A sees none of them, in any list.
            let secrets = [conversation, "B's secret", "B's room", "B's number", "B's second", bService, other.sid, "+15557770001"]
            let lists: [(String, [(String, String)])] = [
                ("/v1/Sandbox/Deliveries", []), ("/v1/Webhooks/Failures", []), ("/v1/Webhooks/Failures", [("Status", "pending")]),
                ("/v1/Configuration/Addresses", []), ("/v1/Services", []), ("/v1/Conversations", []), ("/v1/Users", []),
                ("/v1/ParticipantConversations", [("Address", "+15557770001")]), ("/v1/ParticipantConversations", [("Identity", "bob")]),
                ("/v1/Users/bob/Conversations", []),
            ]
            for (path, query) in lists {
                let page = try await api.get(path, query)
                #expect(page.status == .ok || page.status == .notFound, "\(path): \(page.text)")
                for secret in secrets { #expect(!page.text.contains(secret), "\(path) shows B's \(secret)") }
            }
            #expect(try await api.get("/v1/Services/\(bService)/Conversations").status == .notFound)
            #expect(try await api.get("/v1/Sandbox/Deliveries").records.isEmpty)
            #expect(try await api.get("/v1/Webhooks/Failures").records.isEmpty)
        }
    }
}

/// A failed post-event delivery of `accountSid`, as the webhook worker leaves one after its last attempt.
private func failedDelivery(accountSid: String) -> WebhookDelivery {
    let now = Timestamp.now
    return WebhookDelivery(
        seq: 0, idempotencyToken: SID.makeSecret(), accountSid: accountSid, serviceSid: nil, conversationSid: nil, scope: .account, webhookSid: nil,
        eventType: "onConversationAdded", url: "https://hooks.example.com/b", method: "POST", body: "AccountSid=\(accountSid)", status: .failed,
        attempts: 8, nextAttemptAt: .now, lastStatusCode: 500, lastError: "HTTP 500", dateCreated: now, dateUpdated: now)
}

extension TestAPI {
    /// A second account in the same database, with its own default Service; returns its SID and Basic credentials.
    func makeSecondAccount() async throws -> (sid: String, basic: String) {
        let now = Timestamp.now
        let token = SID.makeSecret()
        let sid = try await parley.store.write { tx in
            var account = Account(
                sid: SID.make(.account), friendlyName: "Other", authToken: token, configuration: .init(), dateCreated: now, dateUpdated: now)
            try tx.insert(account)
            let service = try ChatServices.insertService(friendlyName: "Other's default", accountSid: account.sid, now: now, in: tx)
            account.configuration.defaultChatServiceSid = service.sid
            try tx.update(account)
            return account.sid
        }
        return (sid, "Basic " + Data("\(sid):\(token)".utf8).base64EncodedString())
    }
}
