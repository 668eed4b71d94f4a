/// Where and how APNs pushes go (`parley serve --apns-url`, `--apns-sandbox-url`, `--push-ca-file`): the production and
/// sandbox hosts of Apple's provider API, an extra trust root for a stand-in server (tests, air-gapped deployments), the
/// time one push may take, and how long APNs keeps a push for a device that is offline.
public struct APNsSettings: Sendable {
    /// Apple's production host (`Sandbox` false).
    public static let appleProductionURL = "https://api.push.apple.com"
    /// Apple's development host (`Sandbox` true).
    public static let appleSandboxURL = "https://api.sandbox.push.apple.com"

    public var productionURL: String
    public var sandboxURL: String
    /// A PEM certificate trusted besides the system's roots, for a server that is not Apple's.
    public var extraTrustRootPEM: String?
    /// How long one request may take.
    public var timeout: Duration
    /// `apns-expiration` is now plus this: how long APNs stores the push for a device that is offline (Twilio's default
    /// time to live, four weeks).
    public var expiration: Duration
    /// A provider token is replaced when it is this old: APNs refuses one older than an hour and allows a new one at
    /// most every 20 minutes.
    public var tokenRefreshAge: Duration

    public init(
        productionURL: String = APNsSettings.appleProductionURL, sandboxURL: String = APNsSettings.appleSandboxURL,
        extraTrustRootPEM: String? = nil, timeout: Duration = .seconds(10), expiration: Duration = .seconds(2_419_200),
        tokenRefreshAge: Duration = .seconds(50 * 60)
    ) {
        self.productionURL = productionURL
        self.sandboxURL = sandboxURL
        self.extraTrustRootPEM = extraTrustRootPEM
        self.timeout = timeout
        self.expiration = expiration
        self.tokenRefreshAge = tokenRefreshAge
    }

    /// The base URL for a credential's `Sandbox` flag.
    func baseURL(sandbox: Bool) -> String {
        let url = sandbox ? sandboxURL : productionURL
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
