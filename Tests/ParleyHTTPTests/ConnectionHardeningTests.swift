import Foundation
import Logging
import NIOCore
import ParleyCore
import Testing
import WSClient

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP server's connection hardening, against the real `parley serve` binary over raw TCP: malformed requests
/// are answered and closed, slow heads, stalled bodies and idle connections are closed after their timeouts,
/// WebSockets are not, the connection cap keeps the server answering, and refused upgrades get the token's 401.
@Suite(.serialized) struct ConnectionHardeningTests {
    static let credentials = "Basic " + Data("\(TestCredentials.accountSid):\(TestCredentials.authToken)".utf8).base64EncodedString()

    /// Runs `body` against the binary started with `options` (short timeouts), stopping it after.
    func withServer(_ options: [String] = [], _ body: (ServerProcess) async throws -> Void) async throws {
        let binary = try #require(ServerProcess.binary, "build the parley executable first (swift build)")
        let server = try ServerProcess(binary: binary)
        defer { server.cleanUp() }
        server.process.arguments! += options
        try await server.start()
        try await body(server)
    }

    @Test func malformedRequestsAreAnsweredAndClosed() async throws {
        let head = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
        let cases: [(name: String, bytes: [UInt8], status: Int, code: Int)] = [
            ("unknown method", Array("FOOBAR / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), 501, 20501),
            ("Content-Length with Transfer-Encoding",
             Array("POST /v1/Conversations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8), 400, 20001),
            ("negative Content-Length", Array("POST /v1/Conversations HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".utf8), 400, 20001),
            ("bad Content-Length", Array("POST /v1/Conversations HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n".utf8), 400, 20001),
            ("TLS ClientHello", [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03] + Array(repeating: 0, count: 32), 501, 20501),
            ("a header line over 80 KB", Array((head + "X-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n").utf8), 431, 20431),
            ("1 MB of headers",
             Array((head + (0..<1000).map { "X-H\($0): " + String(repeating: "b", count: 1000) + "\r\n" }.joined() + "\r\n").utf8), 431, 20431),
            ("5,000 header lines", Array((head + (0..<5000).map { "X-\($0): y\r\n" }.joined() + "\r\n").utf8), 431, 20431),
        ]
        try await withServer { server in
            for test in cases {
                let outcome = try await RawConnection.open(port: server.port).exchange([test.bytes], within: .seconds(10))
                #expect(outcome.status == test.status, "\(test.name): \(outcome.text.prefix(300))")
                #expect(outcome.json?["code"] as? Int == test.code, "\(test.name)")
                #expect(outcome.json?["status"] as? Int == test.status, "\(test.name)")
                #expect(outcome.json?["more_info"] as? String == "https://www.twilio.com/docs/errors/\(test.code)", "\(test.name)")
                #expect(outcome.text.contains("Connection: close"), "\(test.name)")
                #expect(outcome.closedByServer, "\(test.name): the connection stayed open")
            }
            // The server is unharmed and nothing was logged as an error for any of it.
            let healthy = try await RawConnection.open(port: server.port).exchange(head + "Connection: close\r\n\r\n")
            #expect(healthy.status == 200)
            #expect(!server.log.contains(" error "), "\(server.log)")
        }
    }

    /// Slowloris: a head dribbled a byte every 250 ms is answered 408 and closed after the header timeout (1 s),
    /// long before it would be complete.
    @Test func aSlowHeadIsClosedAfterTheHeaderTimeout() async throws {
        try await withServer(["--header-timeout", "1"]) { server in
            let head = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1234567890\r\n\r\n".utf8)
            let outcome = try await RawConnection.open(port: server.port)
                .exchange(head.map { [$0] }, pause: .milliseconds(250), within: .seconds(20))
            #expect(outcome.closedByServer)
            #expect(outcome.status == 408, "\(outcome.text)")
            #expect(outcome.json?["code"] as? Int == 20408)
            #expect(outcome.elapsed >= 0.9 && outcome.elapsed < 8, "closed after \(outcome.elapsed) s")
        }
    }

    /// A body shorter than its Content-Length is answered 408 after the body timeout and closed, and the request
    /// it was part of changed nothing (the handler reading it fails instead of taking the part for the whole).
    /// A body that keeps making progress is not cut, however long it takes in all.
    @Test func aStalledBodyIsAnsweredAfterTheBodyTimeoutAndChangesNothing() async throws {
        try await withServer(["--body-timeout", "2"]) { server in
            let head = "POST /v1/Conversations HTTP/1.1\r\nHost: x\r\nAuthorization: \(Self.credentials)\r\nConnection: close\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\n"
            let stalled = try await RawConnection.open(port: server.port).exchange(head + "FriendlyName=cut", within: .seconds(20))
            #expect(stalled.closedByServer)
            #expect(stalled.status == 408, "\(stalled.text)")
            #expect(stalled.json?["code"] as? Int == 20408)
            #expect(stalled.elapsed >= 1.9 && stalled.elapsed < 12, "answered after \(stalled.elapsed) s")

            // 40 bytes in 8 pieces, 400 ms apart: 3.2 s in all, never 2 s without progress (a margin of 5 pauses, so
            // a loaded machine's late wake-ups cannot make a pause look like a stall).
            let body = "FriendlyName=" + String(repeating: "p", count: 27)
            let pieces = [Array(head.utf8)] + stride(from: 0, to: 40, by: 5).map { Array(body.utf8)[$0..<$0 + 5].map { $0 } }
            let slow = try await RawConnection.open(port: server.port).exchange(pieces, pause: .milliseconds(400), within: .seconds(20))
            #expect(slow.status == 201, "\(slow.text)")

            let side = try Store.open(path: server.database)
            #expect(try await side.tableCounts()["conversations"] == 1, "only the complete body made a conversation")
            try await side.checkpointAndClose()
        }
    }

    /// A body cut short by the client hanging up, and a chunked body that goes bad after a good chunk, change
    /// nothing: the handler reading the body fails, it never takes the part for the whole.
    @Test func aBodyCutShortOrBrokenMidwayChangesNothing() async throws {
        try await withServer { server in
            let head = "POST /v1/Conversations HTTP/1.1\r\nHost: x\r\nAuthorization: \(Self.credentials)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\n"
            let cut = try await RawConnection.open(port: server.port)
                .exchange([Array((head + "Content-Length: 40\r\n\r\nFriendlyName=cut").utf8)], hangUp: true, within: .seconds(10))
            #expect(cut.closedByServer)
            #expect(cut.status == 400, "\(cut.text)")

            let broken = try await RawConnection.open(port: server.port)
                .exchange(head + "Transfer-Encoding: chunked\r\n\r\n10\r\nFriendlyName=bad\r\nZZ\r\n")
            #expect(broken.closedByServer)
            #expect(broken.status == 400, "\(broken.text)")
            #expect(broken.json?["code"] as? Int == 20001)

            let side = try Store.open(path: server.database)
            #expect(try await side.tableCounts()["conversations"] == 0, "a part of a body made a conversation")
            try await side.checkpointAndClose()
            #expect(!server.log.contains(" error "), "\(server.log)")
        }
    }

    /// A connection that sends nothing, and a keep-alive connection after its answer, are closed after the idle
    /// timeout without a word.
    @Test func idleConnectionsAreClosedAfterTheIdleTimeout() async throws {
        try await withServer(["--idle-timeout", "1"]) { server in
            let silent = try await RawConnection.open(port: server.port).exchange([], within: .seconds(20))
            #expect(silent.closedByServer)
            #expect(silent.received.isEmpty)
            #expect(silent.elapsed >= 0.9 && silent.elapsed < 10, "closed after \(silent.elapsed) s")

            let keptAlive = try await RawConnection.open(port: server.port).exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", within: .seconds(20))
            #expect(keptAlive.status == 200)
            #expect(keptAlive.closedByServer)
            #expect(keptAlive.elapsed >= 0.9 && keptAlive.elapsed < 10, "closed after \(keptAlive.elapsed) s")
        }
    }

    /// Past the connection cap the server keeps answering: a connection it already serves answers at once, and
    /// a new one waits in the backlog only until the idle connections holding the cap time out.
    @Test func pastTheConnectionCapHealthzStillAnswers() async throws {
        try await withServer(["--max-connections", "4", "--idle-timeout", "2"]) { server in
            let kept = try await RawConnection.open(port: server.port)
            try await kept.channel.executeThenClose { inbound, outbound in
                var answers = inbound.makeAsyncIterator()
                let request = ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                try await outbound.write(request)
                #expect(try await answers.next().map { String(buffer: $0) }?.hasPrefix("HTTP/1.1 200") == true)

                // A flood of idle connections, more than the cap.
                var idle: [RawConnection] = []
                for _ in 0..<8 { idle.append(try await RawConnection.open(port: server.port)) }
                try await outbound.write(request)
                #expect(try await answers.next().map { String(buffer: $0) }?.hasPrefix("HTTP/1.1 200") == true)

                let fresh = try await RawConnection.open(port: server.port)
                    .exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", within: .seconds(30))
                #expect(fresh.status == 200, "\(fresh.text)")
                for connection in idle {
                    #expect(try await connection.exchange([], within: .seconds(20)).closedByServer)
                }
            }
        }
    }

    /// An idle flood past the cap does not hold it for the whole idle timeout: near the cap, idle connections are
    /// closed after 2 s of silence, so a new client is served within seconds, not after 60 s in the backlog.
    @Test func nearTheCapIdleConnectionsGiveWayToNewClients() async throws {
        try await withServer(["--max-connections", "8", "--idle-timeout", "60"]) { server in
            var idle: [RawConnection] = []
            for _ in 0..<16 { idle.append(try await RawConnection.open(port: server.port)) }
            let fresh = try await RawConnection.open(port: server.port)
                .exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", within: .seconds(20))
            #expect(fresh.status == 200, "\(fresh.text)")
            #expect(try await idle[0].exchange([], within: .seconds(20)).closedByServer)
            for connection in idle.dropFirst() { _ = try await connection.exchange([], hangUp: true, within: .milliseconds(200)) }
        }
    }

    /// A chat socket outlives the idle timeout: it is kept alive by pings, not closed for want of requests.
    @Test func webSocketsAreNotClosedByTheIdleTimeout() async throws {
        try await withServer(["--idle-timeout", "1"]) { server in
            let token = try await Self.token(database: server.database)
            var logger = Logger(label: "hardening-test")
            logger.logLevel = .warning
            let answers = CapturedLog()
            _ = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/client/v1/socket?token=\(token)", logger: logger) {
                inbound, outbound, _ in
                var frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                _ = try await frames.next()  // "connected"
                try await Task.sleep(for: .milliseconds(2500))
                try await outbound.write(.text(#"{"type":"typing","conversation_sid":"CH00000000000000000000000000000000"}"#))
                if case .text(let text)? = try await frames.next() { answers.append(text) }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(answers.all.first?.contains(#""type":"error""#) == true, "the socket still answers after 2.5 s")
        }
    }

    /// A socket upgrade without a token, with a bad one and with an expired one is refused with the token's 401 and
    /// Twilio's error body, as the README promises (it was an empty 400).
    @Test func aRefusedWebSocketUpgradeGetsTheTokensError() async throws {
        try await withServer { server in
            let expired = try await Self.token(database: server.database, issuedSecondsAgo: 7200)
            let upgrade = "Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            for (query, code) in [("", 20101), ("?token=not.a.jwt", 20101), ("?token=\(expired)", 20104)] {
                let outcome = try await RawConnection.open(port: server.port).exchange("GET /client/v1/socket\(query) HTTP/1.1\r\n" + upgrade)
                #expect(outcome.status == 401, "\(query.prefix(20)): \(outcome.text)")
                #expect(outcome.json?["code"] as? Int == code)
                #expect(outcome.json?["status"] as? Int == 401)
                #expect(outcome.closedByServer)
            }
        }
    }

    /// The first start's account SID and auth token reach a pipe while the server runs, not only when it exits.
    @Test func firstStartCredentialsAreFlushedAtOnce() async throws {
        let binary = try #require(ServerProcess.binary, "build the parley executable first (swift build)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-flush-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            try? FileManager.default.removeItem(at: directory)
        }
        process.executableURL = binary
        process.arguments = ["serve", "--db", directory.appendingPathComponent("parley.db").path, "--port", "0"]
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_ACCOUNT_SID"] = nil
        environment["PARLEY_AUTH_TOKEN"] = nil
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let printed = CapturedLog()
        let logged = CapturedLog()
        for (pipe, text) in [(stdout, printed), (stderr, logged)] {
            Thread.detachNewThread {
                while case let data = pipe.fileHandleForReading.availableData, !data.isEmpty {
                    text.append(String(decoding: data, as: UTF8.self))
                }
            }
        }
        try process.run()
        // Up to a minute for the server to start; then the credentials, printed before it listens, are there.
        for _ in 0..<600 where !logged.all.joined().contains("listening on") && process.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        for _ in 0..<20 where !printed.all.joined().contains("Auth token: ") { try await Task.sleep(for: .milliseconds(100)) }
        #expect(process.isRunning)
        let output = printed.all.joined()
        #expect(output.contains("Created account AC"), "stdout while running: \(output)")
        #expect(output.contains("Auth token: "), "stdout while running: \(output)")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// A chat token for `alice`, minted with a key written to the server's database; `issuedSecondsAgo` back-dates it.
    static func token(database: String, issuedSecondsAgo: Int64 = 0) async throws -> String {
        let side = try Store.open(path: database)
        let issued = Timestamp(secondsSince1970: Timestamp.now.secondsSince1970 - issuedSecondsAgo)
        let parley = Parley(store: side, now: { issued })
        let key = try await parley.accessTokens.signingKey(accountSid: TestCredentials.accountSid)
        let token = try await parley.accessTokens.mintAccessToken(apiKey: key, identity: "alice", ttl: 3600)
        try await side.checkpointAndClose()
        return token
    }
}
