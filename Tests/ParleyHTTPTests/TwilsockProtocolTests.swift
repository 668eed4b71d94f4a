import Foundation
import NIOWebSocket
import Testing

@testable import ParleyCore

@testable import ParleyHTTP

/// Twilsock v3 as Twilio's JavaScript SDK speaks it at `GET /v3/wsconnect`: framing, `init`, `update`, and what bad
/// input gets.
@Suite struct TwilsockProtocolTests {
    @Test func framesRoundTripAndBadFramesSayWhatIsWrong() throws {
        let bytes = TwilsockFrame.encode([("method", "reply"), ("id", "TM1")], payload: Array("{\"a\":\"é\"}".utf8))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("TWILSOCK V3.0 "))
        let frame = try TwilsockFrame(bytes: bytes)
        #expect(frame.method == "reply" && frame.id == "TM1")
        #expect(frame.header["payload_size"] as? Int == Array("{\"a\":\"é\"}".utf8).count)
        #expect(String(decoding: frame.payload, as: UTF8.self) == "{\"a\":\"é\"}")

        for garbage in ["hello", "TWILSOCK V2.0 2\r\n{}\r\n", "TWILSOCK V3.0 x\r\n{}", "TWILSOCK V3.0 50\r\n{}\r\n", "TWILSOCK V3.0 2\r\n[]\r\n",
            "TWILSOCK V3.0 17\r\n{\"payload_size\":9}\r\nabc"]
        {
            #expect(throws: TwilsockFrame.Malformed.self) { try TwilsockFrame(bytes: Array(garbage.utf8)) }
        }
    }

    @Test func initWithAValidTokenIsAcceptedWithCapabilitiesAndAContinuationToken() async throws {
        try await withLiveParley { _, sockets in
            let token = try await sockets.token("alice")
            try await sockets.twilsock { connection in
                let reply = try await connection.initialize(token: token)
                #expect(reply.status == 200)
                #expect((reply.header["capabilities"] as? [String])?.contains("client_update") == true)
                let continuation = try #require(reply.header["continuation_token"] as? String)
                #expect(!continuation.isEmpty)
                #expect((reply.header["continuation_token_status"] as? [String: Any])?["reissued"] as? Bool == true)
                // The chat service answers through the tunnel as the token's user.
                let configuration = try await connection.request("GET", "/Client/v2/Configuration")
                #expect(configuration.status == 200)
                #expect(configuration.body["identity"] as? String == "alice")
            }
        }
    }

    @Test func refusedTokensGetA401WithTheTokensErrorCodeAndTheSocketCloses() async throws {
        try await withLiveParley { _, sockets in
            let key = try await sockets.parley.accessTokens.signingKey(accountSid: TestCredentials.accountSid)
            let expired = try await AccessToken.mint(
                apiKey: key, identity: "alice", serviceSid: nil, ttl: 60, now: Timestamp.now.adding(seconds: -7200))
            var forgedKey = key
            forgedKey.secret = String(repeating: "0", count: 32)
            let forged = try await AccessToken.mint(apiKey: forgedKey, identity: "alice", serviceSid: nil, ttl: 3600, now: .now)
            var otherAccount = key
            otherAccount.accountSid = "AC" + String(repeating: "9", count: 32)
            let wrongAccount = try await AccessToken.mint(apiKey: otherAccount, identity: "alice", serviceSid: nil, ttl: 3600, now: .now)
            for (token, code) in [(expired, 20104), (forged, 20107), (wrongAccount, 20103), ("not a jwt", 20101)] {
                let close = try await sockets.twilsock { connection in
                    let reply = try await connection.initialize(token: token)
                    #expect(reply.status == 401)
                    #expect(reply.errorCode == code)
                    #expect(try await connection.next() == nil, "the socket stays open after a refused init")
                }
                #expect(close?.closeCode == .policyViolation)
            }
            #expect(try await sockets.parley.eventLog.latestSeq() == 0, "a refused init changed something")
        }
    }

    @Test func badFramesUnknownMethodsAndPathsAreAnsweredAndLeaveOtherSocketsAlone() async throws {
        try await withLiveParley { api, sockets in
            let conversation = try await api.makeConversation()
            _ = try await api.post("/v1/Conversations/\(conversation)/Participants", [("Identity", "alice")])
            try await sockets.twilsock(as: "alice") { alice in
                // Garbage on another socket closes that socket with 406, and only it.
                let close = try await sockets.twilsock { garbage in
                    try await garbage.send(bytes: Array("GET / HTTP/1.1\r\n\r\n".utf8))
                    let frame = try #require(try await garbage.next())
                    #expect(frame.method == "close" && frame.status == 406)
                    #expect(try await garbage.next() == nil)
                }
                #expect(close?.closeCode == .protocolError)
                // A message before init: 406 too.
                _ = try await sockets.twilsock { early in
                    try await early.send(method: "message", ["http_request": ["method": "GET", "path": "/Client/v2/Configuration"]])
                    let frame = try #require(try await early.next())
                    #expect(frame.method == "close" && frame.status == 406)
                }
                // Malformed JSON in the header: 406.
                _ = try await sockets.twilsock { broken in
                    try await broken.send(bytes: Array("TWILSOCK V3.0 5\r\n{\"id\"\r\n".utf8))
                    let frame = try #require(try await broken.next())
                    #expect(frame.status == 406)
                }

                // On alice's own socket: an unknown method is a 400 reply, an unknown path a 404, a malformed body a 400.
                let unknown = try await alice.reply(to: alice.send(method: "teleport"))
                #expect(unknown.status == 400)
                let nowhere = try await alice.request("GET", "/Client/v2/Nowhere")
                #expect(nowhere.status == 404 && nowhere.body["code"] as? Int == 20404)
                let malformed = try await alice.send(
                    method: "message",
                    ["http_request": ["method": "POST", "path": "/Client/v2/Conversations/\(conversation)/Messages", "headers": [:]]],
                    payload: Array("{\"body\": ".utf8))
                let answer = try await alice.reply(to: malformed)
                #expect(answer.httpStatus == 400 && answer.json["status"] as? Int == 400 && answer.json["more_info"] != nil)
                let missing = try await alice.reply(to: alice.send(method: "message", ["http_request": ["method": "GET"]]))
                #expect(missing.httpStatus == 400)
                // Nothing was written, and the socket still works.
                #expect(try await api.get("/v1/Conversations/\(conversation)/Messages").records.isEmpty)
                let sent = try await alice.request("POST", "/Client/v2/Conversations/\(conversation)/Messages", json: ["body": "still here"])
                #expect(sent.status == 200 && sent.body["index"] as? Int == 0)
            }
        }
    }

    @Test func oversizedFramesCloseTheSocket() async throws {
        try await withLiveParley { _, sockets in
            let close = try await sockets.twilsock(as: "alice") { alice in
                try await alice.send(method: "message", ["http_request": ["method": "POST", "path": "/x"]], payload: Array(repeating: 65, count: 200_000))
                while try await alice.next(within: 5) != nil {}
            }
            #expect(close?.closeCode == .messageTooLarge || close?.closeCode == .protocolError || close == nil)
        }
    }

    @Test func updateSwapsTheTokenForTheSameUserAndRefusesAnotherIdentity() async throws {
        try await withLiveParley { _, sockets in
            let fresh = try await sockets.token("alice", ttl: 7200)
            let bob = try await sockets.token("bob")
            try await sockets.twilsock(as: "alice") { alice in
                let accepted = try await alice.reply(to: alice.send(method: "update", ["token": fresh]))
                #expect(accepted.status == 200)
            }
            let close = try await sockets.twilsock(as: "alice") { alice in
                let refused = try await alice.reply(to: alice.send(method: "update", ["token": bob]))
                #expect(refused.status == 403)
                #expect(try await alice.next() == nil)
            }
            #expect(close?.closeCode == .policyViolation)
        }
    }

    @Test func anInitializedSocketIsPingedAtTheInterval() async throws {
        try await withLiveParley(twilsockPingInterval: .milliseconds(300)) { _, sockets in
            try await sockets.twilsock(as: "alice") { alice in
                let began = ContinuousClock.now
                for _ in 0..<3 {
                    let ping = try await alice.message(within: 5) { $0.method == "ping" }
                    #expect(ping.id != nil)
                }
                // Three pings at 300 ms take at least 900 ms: they are paced, not sent in a burst.
                #expect(ContinuousClock.now - began >= .milliseconds(800))
            }
        }
    }

    @Test func anExpiringTokenIsWarnedAboutThenClosedWith410() async throws {
        try await withLiveParley { _, sockets in
            let short = try await sockets.token("alice", ttl: 2)
            try await sockets.twilsock { alice in
                let reply = try await alice.initialize(token: short)
                #expect(reply.status == 200)
                let warning = try await alice.message(within: 10) { $0.method == "client_update" }
                #expect(warning.header["client_update_type"] as? String == "token_about_to_expire")
                let close = try await alice.message(within: 10) { $0.method == "close" }
                #expect(close.status == 410)
            }
        }
    }
}
