import Foundation
import Hummingbird
import Testing

@Suite struct AuthenticationTests {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func everyCredentialFailureIsA401InTwiliosShape() async throws {
        try await withParley { api in
            let failures: [String?] = [
                nil,
                Self.basic(TestCredentials.accountSid, "wrong"),
                Self.basic("AC22222222222222222222222222222222", TestCredentials.authToken),
                Self.basic("SK22222222222222222222222222222222", "secret"),
                "Basic not-base64!",
                "Bearer \(TestCredentials.authToken)",
            ]
            for authorization in failures {
                let response = try await api.authenticated(as: authorization).get("/v1/Conversations")
                #expect(response.status == .unauthorized, "\(authorization ?? "none")")
                #expect(response.code == 20003)
                #expect(Set(response.json.keys) == ["code", "message", "more_info", "status"])
                #expect(response.json["status"] as? Int == 401)
            }
            // Nothing was created by a refused write.
            _ = try await api.authenticated(as: nil).post("/v1/Conversations", [("FriendlyName", "x")])
            #expect(try await api.get("/v1/Conversations").records.isEmpty)
        }
    }

    @Test func apiKeysAuthenticateForTheirAccount() async throws {
        try await withParley { api in
            let key = try await api.parley.accounts.createAPIKey(accountSid: TestCredentials.accountSid, friendlyName: "ci")
            let keyed = api.authenticated(as: Self.basic(key.sid, key.secret))
            let created = try await keyed.post("/v1/Conversations", [("FriendlyName", "via key")])
            #expect(created.status == .created)
            #expect(created["account_sid"] == TestCredentials.accountSid)
            #expect(try await api.authenticated(as: Self.basic(key.sid, "wrong")).get("/v1/Conversations").status == .unauthorized)
        }
    }
}
