import Hummingbird
import Logging
import ParleyCore

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

    public init(host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, limits: HTTPLimits = HTTPLimits()) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.limits = limits
    }
}

/// The Twilio-compatible REST router over `parley`.
func buildRouter(parley: Parley, settings: ServerSettings) -> Router<ParleyRequestContext> {
    let router = Router(context: ParleyRequestContext.self)
    router.add(middleware: TwilioErrorMiddleware(publicURL: settings.publicURL))
    let v1 = router.group("v1").add(middleware: BasicAuthMiddleware(accounts: parley.accounts))
    let limits = settings.limits

    // Paths that exist once, at account level.
    ServicesController(parley: parley, limits: limits).register(on: Routes(group: v1))
    ConfigurationController(parley: parley, limits: limits).register(on: Routes(group: v1))

    // Paths that exist for the default Service (`/v1/...`) and for an explicit one (`/v1/Services/{IS}/...`).
    for family in [v1, v1.group("Services/:chatServiceSid")] {
        let routes = Routes(group: family)
        ConversationsController(parley: parley, limits: limits).register(on: routes)
        ParticipantsController(parley: parley, limits: limits).register(on: routes)
        MessagesController(parley: parley, limits: limits).register(on: routes)
        UsersController(parley: parley, limits: limits).register(on: routes)
        RolesController(parley: parley, limits: limits).register(on: routes)
    }
    return router
}

/// The server: the router on `settings.host:settings.port`.
public func buildApplication(parley: Parley, settings: ServerSettings, logger: Logger) -> some ApplicationProtocol {
    Application(
        router: buildRouter(parley: parley, settings: settings),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Parley"),
        logger: logger)
}
