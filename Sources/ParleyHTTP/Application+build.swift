import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import ParleyCore
import ServiceLifecycle

/// Sizes the HTTP layer enforces before the domain sees a request.
public struct HTTPLimits: Sendable {
    /// The largest request body read, in bytes; larger ones get 413.
    public var body: Int

    public init(body: Int = 1024 * 1024) {
        self.body = body
    }
}

/// What the server needs to know beyond the domain.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// The URL clients reach Parley at, for absolute `url`s and paging links; else taken from each request's Host.
    public var publicURL: String?
    public var limits: HTTPLimits
    /// Where metrics go and `GET /metrics` reads them; nil: no metrics.
    public var metrics: ParleyMetrics?
    /// Requests per second each caller may make (a token bucket for the account's admin requests, one for each chat
    /// identity, one for the account's inbound webhooks); nil: no limit.
    public var rateLimit: Int?
    /// Failed authentications a minute one client address may make before its requests get 429; nil: no limit.
    public var authFailuresPerMinute: Int? = 30
    /// `/readyz` fails below this much free disk space where the database lives; nil: not checked.
    public var minimumFreeDiskBytes: Int64? = 64 * 1_048_576
    /// Serve HTTPS (and WSS) with this certificate and key; nil: plain HTTP (behind a TLS-terminating proxy).
    public var tls: TLSConfiguration?
    /// Header, body and idle timeouts, and the cap on connections served at once.
    public var connections = ConnectionLimits()
    /// How often a twilsock socket (`/v3/wsconnect`) is sent a twilsock `ping`: Twilio's SDK reconnects when it hears
    /// nothing for about 45 s.
    public var twilsockPingInterval: Duration = .seconds(30)

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, limits: HTTPLimits = HTTPLimits(), metrics: ParleyMetrics? = nil
    ) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.limits = limits
        self.metrics = metrics
    }
}

/// The Twilio-compatible REST router over `parley`.
func buildRouter(parley: Parley, settings: ServerSettings) -> Router<ParleyRequestContext> {
    let router = Router(context: ParleyRequestContext.self)
    router.add(middleware: RequestIdMiddleware())
    if let metrics = settings.metrics {
        metrics.observe(parley)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        MetricsController(metrics: metrics).register(on: router)
    }
    router.add(middleware: MediaCORSMiddleware())
    router.add(middleware: TwilioErrorMiddleware(publicURL: settings.publicURL))
    router.add(middleware: NULCharacterMiddleware())
    if let perMinute = settings.authFailuresPerMinute { router.add(middleware: AuthFailureLimitMiddleware(perMinute: perMinute)) }
    HealthController(store: parley.store, minimumFreeBytes: settings.minimumFreeDiskBytes).register(on: router)
    let limits = settings.limits
    let idempotency = IdempotencyMiddleware(idempotency: parley.idempotency, maxBodyBytes: limits.body)
    let v1 = router.group("v1").add(middleware: BasicAuthMiddleware(accounts: parley.accounts))
    let rateLimiter = settings.rateLimit.map { RateLimiter(perSecond: $0) }
    if let rateLimiter { v1.add(middleware: RateLimitMiddleware(limiter: rateLimiter)) }
    v1.add(middleware: idempotency)

    // Paths that exist once, at account level.
    ServicesController(parley: parley, limits: limits).register(on: Routes(group: v1))
    ConfigurationController(parley: parley, limits: limits).register(on: Routes(group: v1))
    WebhooksController(parley: parley, limits: limits).register(on: Routes(group: v1))
    PushFailuresController(parley: parley, limits: limits).register(on: Routes(group: v1))
    AddressConfigurationsController(parley: parley, limits: limits).register(on: Routes(group: v1))
    SandboxController(parley: parley, limits: limits).register(on: Routes(group: v1))
    CredentialsController(parley: parley, limits: limits).register(on: Routes(group: v1))
    NotificationsConfigurationController(parley: parley, limits: limits).register(on: Routes(group: v1))
    // Inbound channel webhooks: authenticated by X-Twilio-Signature (or Basic), not by the REST middleware.
    InboundController(parley: parley, limits: limits, rateLimiter: rateLimiter).register(on: Routes(group: router.group("inbound")))

    // Paths that exist for the default Service (`/v1/...`) and for an explicit one (`/v1/Services/{IS}/...`).
    for family in [v1, v1.group("Services/:chatServiceSid")] {
        let routes = Routes(group: family)
        ConversationsController(parley: parley, limits: limits).register(on: routes)
        ParticipantsController(parley: parley, limits: limits).register(on: routes)
        MessagesController(parley: parley, limits: limits).register(on: routes)
        UsersController(parley: parley, limits: limits).register(on: routes)
        RolesController(parley: parley, limits: limits).register(on: routes)
        MembershipsController(parley: parley, limits: limits).register(on: routes)
        ConversationWebhooksController(parley: parley, limits: limits).register(on: routes)
        ReceiptsController(parley: parley, limits: limits).register(on: routes)
    }
    BindingsController(parley: parley, limits: limits).register(on: Routes(group: v1.group("Services/:chatServiceSid")))
    // Media, as Twilio's Media Content Service serves it: admin credentials or a chat user's token.
    let media = router.group("v1/Services/:chatServiceSid")
        .add(middleware: MediaAuthMiddleware(accounts: parley.accounts, accessTokens: parley.accessTokens))
    if let rateLimiter { media.add(middleware: RateLimitMiddleware(limiter: rateLimiter)) }
    MediaController(parley: parley).register(on: Routes(group: media))
    MediaSetController(parley: parley).register(on: Routes(group: media))
    // Temporary content URLs: their signature is the credential, so no authentication middleware.
    MediaController(parley: parley).registerTemporaryContent(on: Routes(group: router.group("v1/Services/:chatServiceSid")))
    // The socket's path without an upgrade: a 401 for a bad token, else a pointer to the upgrade.
    let client = router.group("client/v1").add(middleware: AccessTokenMiddleware(accessTokens: parley.accessTokens))
    if let rateLimiter { client.add(middleware: RateLimitMiddleware(limiter: rateLimiter)) }
    client.add(middleware: idempotency)
    client.get("socket") { _, _ -> Response in
        throw TwilioError(status: .upgradeRequired, code: 20001, message: "GET /client/v1/socket needs a WebSocket upgrade")
    }
    // The client API: a chat user acting on their own behalf, with the token's identity and Service.
    let clientRoutes = Routes(group: client)
    ClientMeController(parley: parley, limits: limits).register(on: clientRoutes)
    ClientConversationsController(parley: parley, limits: limits).register(on: clientRoutes)
    ClientMessagesController(parley: parley, limits: limits).register(on: clientRoutes)
    ClientParticipantsController(parley: parley, limits: limits).register(on: clientRoutes)
    ClientPushBindingsController(parley: parley, limits: limits).register(on: clientRoutes)
    return router
}

/// The WebSocket upgrade router: `/client/v1/socket` upgrades when the access token verifies; otherwise the
/// upgrade is refused with the token's 401 and Twilio's error body (20101-20107), as the HTTP router answers it.
func buildWebSocketRouter(parley: Parley, settings: ServerSettings) -> Router<ParleyWebSocketRequestContext> {
    let router = Router(context: ParleyWebSocketRequestContext.self)
    let socket = ChatSocket(parley: parley, settings: settings)
    router.ws("client/v1/socket") { request, context in
        do {
            guard let token = AccessTokenMiddleware.token(request) else {
                throw ParleyError.accessTokenMalformed(reason: "send the token as Authorization: Bearer <token> or a token query parameter")
            }
            _ = try await parley.accessTokens.verifyAccessToken(token)
            return .upgrade([:])
        } catch let error as ParleyError {
            await ConnectionGuard.refuseUpgrade(on: context.channel, with: TwilioError(error))
            return .dontUpgrade
        }
    } onUpgrade: { inbound, outbound, context in
        try await socket.run(inbound: inbound, outbound: outbound, request: context.request, logger: context.logger)
    }
    // Twilio's JavaScript SDK (twilsock): always upgraded, the token comes in the first message (`init`).
    let twilsock = TwilsockEndpoint(parley: parley, settings: settings)
    router.ws("v3/wsconnect") { _, _ in .upgrade([:]) } onUpgrade: { inbound, outbound, context in
        try await twilsock.run(inbound: inbound, outbound: outbound, request: context.request, logger: context.logger)
    }
    return router
}

/// The server: the REST router and the chat WebSocket on `settings.host:settings.port`.
/// `services` run alongside the server and stop with it (background jobs such as event pruning).
///
/// Connections are guarded (`ConnectionGuard`: malformed requests answered, header/body/idle timeouts) and at most
/// `settings.connections.maxConnections` are served at once; further ones wait in the listen backlog.
public func buildApplication(parley: Parley, settings: ServerSettings, services: [any Service] = [], logger: Logger) -> some ApplicationProtocol {
    let limits = settings.connections
    let webSocketResponder = buildWebSocketRouter(parley: parley, settings: settings).buildResponder()
    let headerLimits = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: ConnectionLimits.maxHeaderBytes, maxHeaderListSize: ConnectionLimits.maxHeaderBytes,
        maxHeaderFieldCount: ConnectionLimits.maxHeaderLines)
    let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
        http1: .init(httpDecoderConfiguration: headerLimits),
        ws: .init(maxFrameSize: max(ChatSocket.maxFrameSize, TwilsockEndpoint.maxFrameSize), autoPing: .enabled(timePeriod: .seconds(30))))
    let http = HTTPServerBuilder { responder in
        GuardedChildChannel(
            base: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
            limits: limits)
    }
    // `.tls` is declared throwing but only wraps the builder; TLS errors surface when connections are set up.
    return Application(
        router: buildRouter(parley: parley, settings: settings),
        server: settings.tls.map { try! .tls(http, tlsConfiguration: $0) } ?? http,
        configuration: .init(
            address: .hostname(settings.host, port: settings.port), serverName: "Parley",
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger)),
        // Several nodes on one database: each makes the shared event log live on its own sockets.
        services: services + (parley.store.isShared ? [EventTail(parley: parley, logger: logger)] : []),
        logger: logger)
}
