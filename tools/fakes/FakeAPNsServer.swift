import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// A fake of Apple's push provider API on 127.0.0.1: HTTP/2 over TLS (the test certificate, ALPN `h2` only, as Apple's),
/// `POST /3/device/{token}`, served by swift-nio-http2's stream multiplexer (`FakeAPNsStreamHandler`).
/// It checks what APNs checks (the bearer JWT's ES256 signature, `kid`, `iss` and age, or a client certificate; the
/// `apns-topic`, `apns-push-type`, `apns-priority`, `apns-expiration` headers; the device token; a JSON body with `aps`
/// within 4 KB), answers with APNs' statuses and `{"reason": ...}` bodies, records every request, and can be told to
/// answer otherwise for given device tokens or the next requests.
public final class FakeAPNsServer: Sendable {
    private struct State {
        var pushes: [FakeAPNsPush] = []
        var answersByToken: [String: FakeAPNsAnswer] = [:]
        var nextAnswers: [FakeAPNsAnswer] = []
    }

    /// APNs' limit on a notification's JSON body.
    public static let maximumPayloadSize = 4096
    private static let pushTypes: Set<String> = ["alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity", "pushtotalk"]

    public let configuration: FakeAPNsConfiguration
    private let verifier: ProviderTokenVerifier
    private let state = Mutex(State())
    private let listeningPort = Mutex<Int?>(nil)

    private init(configuration: FakeAPNsConfiguration) throws {
        self.configuration = configuration
        verifier = try ProviderTokenVerifier(configuration: configuration)
    }

    /// `https://127.0.0.1:PORT`: the base URL to give the sender (trusting `TestTLSMaterial.caCertificatePEM`).
    public var baseURL: String { "https://127.0.0.1:\(listeningPort.withLock { $0 } ?? 0)" }

    /// Every request received so far, refused ones included, in arrival order.
    public var pushes: [FakeAPNsPush] { state.withLock { $0.pushes } }
    /// The requests answered 200.
    public var delivered: [FakeAPNsPush] { pushes.filter { $0.status == 200 } }

    /// Answers every later push to `deviceToken` with `answer` (nil: check and accept again).
    public func answer(_ deviceToken: String, with answer: FakeAPNsAnswer?) {
        state.withLock { $0.answersByToken[deviceToken] = answer }
    }

    /// Answers the next `count` pushes (whatever their token) with `answer`, after the ones queued before.
    public func answerNext(_ count: Int, with answer: FakeAPNsAnswer) {
        state.withLock { $0.nextAnswers += Array(repeating: answer, count: count) }
    }

    /// Forgets the recorded pushes (the benchmark, between rounds).
    public func reset() { state.withLock { $0.pushes.removeAll(keepingCapacity: true) } }

    /// Waits until `count` pushes answered 200 have arrived or `timeout` passed, and returns the delivered pushes.
    public func waitForDelivered(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [FakeAPNsPush] {
        try await LocalFakeServer.wait(for: count, timeout: timeout) { delivered }
    }

    /// Runs the fake on a loopback port (a free one when 0) while `body` runs.
    public static func serving<T>(
        _ configuration: FakeAPNsConfiguration, port: Int = 0, _ body: (FakeAPNsServer) async throws -> T
    ) async throws -> T {
        let server = try FakeAPNsServer(configuration: configuration)
        let context = try NIOSSLContext(configuration: try server.tlsConfiguration())
        let connections = Mutex<[any Channel]>([])
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.withLock { $0.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                }.flatMap {
                    channel.configureHTTP2Pipeline(mode: .server, inboundStreamInitializer: { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandlers([
                                HTTP2FramePayloadToHTTP1ServerCodec(), FakeAPNsStreamHandler(server: server),
                            ])
                        }
                    }).map { _ in }
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        server.listeningPort.withLock { $0 = listener.localAddress?.port }
        func stop() async {
            try? await listener.close()
            for connection in connections.withLock({ $0 }) { try? await connection.close() }
        }
        do {
            let result = try await body(server)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    private func tlsConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(TestTLSMaterial.serverCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(TestTLSMaterial.serverPrivateKeyPEM.utf8), format: .pem)))
        tls.applicationProtocols = ["h2"]
        if configuration.requireClientCertificate {
            // The handshake fails without a client certificate signed by the test CA, as APNs' does without Apple's.
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(TestTLSMaterial.caCertificatePEM.utf8), format: .pem)])
        }
        return tls
    }

    /// Checks, records and answers one request; `FakeAPNsStreamHandler` calls it with the whole request.
    func respond(method: HTTPMethod, path: String, headers: HTTPHeaders, body: Data) -> FakeAPNsAnswer {
        let prefix = "/3/device/"
        guard method == .POST else { return FakeAPNsAnswer(status: 405, reason: "MethodNotAllowed") }
        guard path.hasPrefix(prefix) else { return FakeAPNsAnswer(status: 404, reason: "BadPath") }
        let token = String(path.dropFirst(prefix.count))
        var fields: [String: String] = [:]
        for (name, value) in headers { fields[name.lowercased()] = value }
        var claims: ProviderTokenVerifier.Claims?
        let refusal = check(token: token, headers: fields, body: body, claims: &claims)
        let answer = state.withLock { state -> FakeAPNsAnswer in
            if let refusal { return refusal }
            if !state.nextAnswers.isEmpty { return state.nextAnswers.removeFirst() }
            return state.answersByToken[token] ?? FakeAPNsAnswer(status: 200)
        }
        let push = FakeAPNsPush(
            deviceToken: token, headers: fields, body: body, keyId: claims?.keyId, teamId: claims?.teamId,
            issuedAt: claims?.issuedAt, status: answer.status, receivedAt: .now)
        state.withLock { $0.pushes.append(push) }
        return answer
    }

    /// APNs' own refusal of the request, if it has one.
    private func check(
        token: String, headers: [String: String], body: Data, claims: inout ProviderTokenVerifier.Claims?
    ) -> FakeAPNsAnswer? {
        if !configuration.requireClientCertificate {
            guard let authorization = headers["authorization"], authorization.hasPrefix("bearer ") else {
                return FakeAPNsAnswer(status: 403, reason: "MissingProviderToken")
            }
            do {
                claims = try verifier.verify(String(authorization.dropFirst("bearer ".count)))
            } catch {
                return FakeAPNsAnswer(status: 403, reason: error.rawValue)
            }
        }
        guard let topic = headers["apns-topic"] else { return FakeAPNsAnswer(status: 400, reason: "MissingTopic") }
        guard topic == configuration.topic else { return FakeAPNsAnswer(status: 400, reason: "DeviceTokenNotForTopic") }
        guard let pushType = headers["apns-push-type"], Self.pushTypes.contains(pushType) else {
            return FakeAPNsAnswer(status: 400, reason: "InvalidPushType")
        }
        if let priority = headers["apns-priority"], !["1", "5", "10"].contains(priority) { return FakeAPNsAnswer(status: 400, reason: "BadPriority") }
        if let expiration = headers["apns-expiration"], Int(expiration) == nil { return FakeAPNsAnswer(status: 400, reason: "BadExpirationDate") }
        if let collapseId = headers["apns-collapse-id"], collapseId.utf8.count > 64 { return FakeAPNsAnswer(status: 400, reason: "BadCollapseId") }
        guard token.count >= 64, token.allSatisfy(\.isHexDigit) else { return FakeAPNsAnswer(status: 400, reason: "BadDeviceToken") }
        guard !body.isEmpty else { return FakeAPNsAnswer(status: 400, reason: "PayloadEmpty") }
        guard body.count <= Self.maximumPayloadSize else { return FakeAPNsAnswer(status: 413, reason: "PayloadTooLarge") }
        guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any], json["aps"] is [String: Any] else {
            return FakeAPNsAnswer(status: 400, reason: "BadPayload")
        }
        return nil
    }

}

/// One HTTP/2 stream of the fake (as HTTP/1 parts through `HTTP2FramePayloadToHTTP1ServerCodec`): gathers the request,
/// lets the server answer it, and writes APNs' answer: `apns-id`, `Retry-After`, a `{"reason": ...}` body.
final class FakeAPNsStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: FakeAPNsServer
    private var head: HTTPRequestHead?
    private var body = Data()

    init(server: FakeAPNsServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.removeAll()
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            write(server.respond(method: head.method, path: path, headers: head.headers, body: body), context: context)
        }
    }

    private func write(_ answer: FakeAPNsAnswer, context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("apns-id", UUID().uuidString)])
        if let retryAfter = answer.retryAfter { headers.add(name: "retry-after", value: String(retryAfter)) }
        var json = Data()
        if let reason = answer.reason, answer.status != 200 {
            var object: [String: Any] = ["reason": reason]
            if answer.status == 410 { object["timestamp"] = Int(Date().timeIntervalSince1970 * 1000) }
            json = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
            headers.add(name: "content-type", value: "application/json")
        }
        headers.add(name: "content-length", value: String(json.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http2, status: HTTPResponseStatus(statusCode: answer.status), headers: headers))), promise: nil)
        if !json.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: json)))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
