import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP server on a loopback port that plays a channel's media host: each path answers with its status,
/// content type and bytes.
struct RemoteFileServer {
    struct File: Sendable {
        var status: HTTPResponse.Status = .ok
        var contentType: String
        var bytes: [UInt8]
        /// How long the server waits before answering at all (a host that never answers: a long one).
        var headDelay: Duration = .zero
        /// When set, the body goes out one byte at a time with this pause before each (a slow host).
        var bytePause: Duration?
        /// When set, the answer is a 302 to this path on `http://127.0.0.1:PORT` (the same server, by its address).
        var redirectPath: String?
    }

    /// Serves `files` while `body` runs, giving it the server's base URL (`http://127.0.0.1:PORT`).
    static func serving(_ files: [String: File], _ body: @Sendable (String) async throws -> Void) async throws {
        try await serving(files) { base, _ in try await body(base) }
    }

    /// Serves `files` while `body` runs, giving it the server's base URL and how many requests it has had so far.
    static func serving(_ files: [String: File], _ body: @Sendable (String, @Sendable () -> Int) async throws -> Void) async throws {
        let router = Router()
        let port = Mutex<Int?>(nil)
        let hits = Mutex(0)
        for (path, file) in files {
            router.get(RouterPath(path)) { _, _ -> Response in
                hits.withLock { $0 += 1 }
                if file.headDelay > .zero { try await Task.sleep(for: file.headDelay) }
                if let target = file.redirectPath {
                    return Response(status: .found, headers: [.location: "http://127.0.0.1:\(port.withLock { $0 } ?? 0)\(target)"])
                }
                let headers: HTTPFields = [.contentType: file.contentType, .contentLength: String(file.bytes.count)]
                guard let pause = file.bytePause else {
                    return Response(status: file.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
                }
                return Response(
                    status: file.status, headers: headers,
                    body: ResponseBody { writer in
                        for byte in file.bytes {
                            try await Task.sleep(for: pause)
                            try await writer.write(ByteBuffer(bytes: [byte]))
                        }
                        try await writer.finish(nil)
                    })
            }
        }
        var logger = Logger(label: "remote-files")
        logger.logLevel = .critical  // cancelling the server at the end logs an error that is expected
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            try await body("http://127.0.0.1:\(port.withLock { $0 }!)", { hits.withLock { $0 } })
            group.cancelAll()
        }
    }
}
