import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ParleyCore
import ParleyHTTP

/// `parley serve`: migrate the database, make sure an account exists, and serve the REST API.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the server (creating and migrating the database on first start).",
        discussion: """
            On first start an account and its default Conversation Service are created and the account SID and \
            auth token are printed once. Set PARLEY_ACCOUNT_SID (AC + 32 hex digits) and PARLEY_AUTH_TOKEN to \
            create the account with exactly those credentials instead.
            """)

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @OptionGroup var database: DatabaseOptions
    @Option(help: "SQLite only. full: an answered write survives power loss; normal: it survives a process crash only.")
    var durability: Store.Durability = .full
    @Option(help: "The URL clients reach Parley at, for absolute URLs in responses (default: from each request's Host).")
    var publicURL: String?
    @Option(help: "Hours chat events are kept for clients that reconnect (older ones must resync).")
    var eventRetentionHours = 24
    @Option(help: "The data folder; media files go in its 'media' folder (default: a '-media' folder beside the database, e.g. parley-media; with --database, 'parley-media' in the working folder). Nodes sharing a PostgreSQL database must share it.")
    var dataDir: String?
    @Option(help: "The largest media item accepted, in bytes.") var mediaMaxBytes: Int64 = MediaLimits().maxItemBytes
    @Option(help: "The most media bytes one message may carry.") var mediaMaxMessageBytes: Int64 = MediaLimits().maxMessageBytes
    @Option(help: "Comma-separated content types accepted for media; 'image/*' names a family, which never admits a scriptable type (SVG, HTML, XML, JavaScript): list one exactly to accept it.")
    var mediaTypes = MediaLimits.defaultContentTypes.joined(separator: ",")
    @Option(help: "Seconds a graceful shutdown (SIGTERM/SIGINT) waits for in-flight requests and workers before cancelling them.")
    var shutdownTimeout = 30
    @Option(help: "Requests per second each caller may make before getting 429 (code 20429): the account's admin, each chat identity and the account's inbound webhooks have a bucket each; off by default.")
    var rateLimit: Int?
    @Option(help: "Failed authentications a minute one client address may make before all its requests get 429 for a while; 0 turns it off.")
    var authFailuresPerMinute = 30
    @Option(help: "/readyz reports not ready below this many MiB free where the database lives; 0 turns the check off.")
    var minFreeDiskMb = 64
    @Option(help: "PEM certificate chain: serve HTTPS/WSS directly (with --tls-key).") var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Option(help: "The key file push credentials' secrets are sealed with (default: '<db>.secrets-key' beside the database, created on first need; with --database, 'parley.secrets-key' in the working folder, which every node must share). Back it up with the database.")
    var secretsKeyFile: String?
    @Flag(help: "Do not serve Prometheus metrics at /metrics.") var noMetrics = false
    @OptionGroup(title: "External channels") var channels: ChannelOptions
    @OptionGroup(title: "Connections") var connections: ConnectionOptions
    @OptionGroup(title: "Outbound requests (inbound media, webhooks)") var outbound: OutboundOptions
    @OptionGroup(title: "Push notifications") var push: PushOptions

    func run() async throws {
        var logger = Logger(label: "parley")
        logger.logLevel = .info
        let (store, applied) = try await database.migratedStore(durability: durability)
        if !applied.isEmpty { logger.info("applied migrations", metadata: ["migrations": "\(applied.joined(separator: ", "))", "db": "\(database.name)"]) }
        guard mediaMaxBytes > 0, mediaMaxMessageBytes > 0 else { throw ValidationError("--media-max-bytes and --media-max-message-bytes must be positive") }
        let mediaLimits = MediaLimits(
            maxItemBytes: mediaMaxBytes, maxMessageBytes: mediaMaxMessageBytes,
            allowedContentTypes: mediaTypes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        // A shared database has no file to put media and the secrets key beside: the working folder, shared by the nodes.
        let mediaDirectory = (dataDir ?? (store.isShared ? "." : nil)).map { URL(fileURLWithPath: $0, isDirectory: true).appendingPathComponent("media") }
        let keyFile = secretsKeyFile ?? (store.isShared ? "parley.secrets-key" : nil)
        let parley = Parley(store: store, mediaDirectory: mediaDirectory, mediaLimits: mediaLimits,
            outbound: try outbound.outbound(logger: logger), pushSecrets: keyFile.map(PushSecretBox.init(keyFile:)))
        let environment = ProcessInfo.processInfo.environment
        let bootstrap = try await parley.accounts.bootstrap(sid: environment["PARLEY_ACCOUNT_SID"], authToken: environment["PARLEY_AUTH_TOKEN"])
        if bootstrap.created {
            print("Created account \(bootstrap.account.sid)")
            if environment["PARLEY_AUTH_TOKEN"] == nil {
                print("Auth token: \(bootstrap.account.authToken)   (shown once; keep it secret)")
            }
            print("Default Conversation Service: \(bootstrap.account.configuration.defaultChatServiceSid ?? "-")")
            fflush(nil)  // stdout to a pipe or file (systemd, containers) is block-buffered: show the credentials now, not at exit
        } else if let sid = environment["PARLEY_ACCOUNT_SID"], sid != bootstrap.account.sid {
            logger.warning("PARLEY_ACCOUNT_SID is ignored: the database already has account \(bootstrap.account.sid)")
        }
        var settings = ServerSettings(host: host, port: port, publicURL: publicURL)
        try configureOperations(&settings)
        settings.connections = try connections.limits(logger: logger)
        guard eventRetentionHours >= 1 else { throw ValidationError("--event-retention-hours must be at least 1") }
        let pruner = EventPruner(eventLog: parley.eventLog, retention: Int64(eventRetentionHours) * 3600, logger: logger)
        let janitor = MediaJanitor(media: parley.media, logger: logger)
        let webhooks = WebhookWorker(webhooks: parley.webhooks, logger: logger)
        let pushes = PushWorker(parley: parley, senders: try push.senders(), logger: logger)
        let keys = IdempotencyPruner(idempotency: parley.idempotency, logger: logger)
        let channelWorkers = try channels.services(parley: parley, publicURL: publicURL, logger: logger)
        let app = buildApplication(
            parley: parley, settings: settings, services: [pruner, janitor, webhooks, pushes, keys] + channelWorkers, logger: logger)
        try await ParleyServer(application: app, parley: parley, shutdownDeadline: .seconds(max(1, shutdownTimeout)), logger: logger).run()
    }
}

extension Store.Durability: ExpressibleByArgument {}
