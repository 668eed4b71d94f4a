import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import ParleyCore
import ParleyHTTP
import Synchronization

/// Every log line written through it, rendered as text (message and metadata), for tests that read logs.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// A logger at `trace` that writes here.
    func logger(label: String = "parley-captured") -> Logger {
        var logger = Logger(label: label) { _ in CapturingHandler(log: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        log.append("\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}

/// Like `withParley`, with a logger of the test's choosing and access to the database file before the server starts;
/// `live`: on a real socket (client addresses, WebSockets) instead of in process.
func withOpsParley(
    logger: Logger? = nil, settings: ServerSettings = ServerSettings(publicURL: TestCredentials.publicURL), live: Bool = false,
    beforeStart: @Sendable (String) throws -> Void = { _ in }, _ body: @Sendable (TestAPI) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-ops-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("parley.db").path
    let store = try Store.open(path: path)
    try await SchemaMigrator().migrate(store)
    let parley = Parley(store: store)
    _ = try await parley.accounts.bootstrap(sid: TestCredentials.accountSid, authToken: TestCredentials.authToken)
    try beforeStart(path)
    var quiet = Logger(label: "parley-test")
    quiet.logLevel = .warning
    let app = buildApplication(parley: parley, settings: settings, logger: logger ?? quiet)
    try await app.test(live ? .live : .router) { client in
        try await body(TestAPI(client: client, parley: parley))
    }
}
