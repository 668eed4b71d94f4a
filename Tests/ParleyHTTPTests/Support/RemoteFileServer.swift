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
    }

    /// Serves `files` while `body` runs, giving it the server's base URL (`http://127.0.0.1:PORT`).
    static func serving(_ files: [String: File], _ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        for (path, file) in files {
            router.get(RouterPath(path)) { _, _ -> Response in
                Response(
                    status: file.status, headers: [.contentType: file.contentType, .contentLength: String(file.bytes.count)],
                    body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
            }
        }
        let port = Mutex<Int?>(nil)
        var logger = Logger(label: "remote-files")
        logger.logLevel = .critical  // cancelling the server at the end logs an error that is expected
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            try await body("http://127.0.0.1:\(port.withLock { $0 }!)")
            group.cancelAll()
        }
    }
}
