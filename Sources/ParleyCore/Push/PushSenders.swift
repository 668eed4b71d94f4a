import AsyncHTTPClient
import NIOSSL

/// The providers pushes go through, by binding type: `apn` to APNs, `fcm` and `gcm` to FCM. `shutdown` releases what
/// they hold (the HTTP client); the worker calls it when it stops.
public struct PushSenders: Sendable {
    public var apns: any PushSender
    public var fcm: any PushSender
    public var shutdown: @Sendable () async -> Void

    public init(apns: any PushSender, fcm: any PushSender, shutdown: @escaping @Sendable () async -> Void = {}) {
        self.apns = apns
        self.fcm = fcm
        self.shutdown = shutdown
    }

    /// The real senders over one HTTP client (HTTP/2 where the server offers it), which trusts `extraTrustRootPEM`
    /// (`--push-ca-file`) besides the system's roots, for provider stand-ins in tests and air-gapped deployments.
    /// - Throws: when `extraTrustRootPEM` is not a PEM certificate.
    public static func live(apns: APNsSettings, fcm: FCMSettings, extraTrustRootPEM: String? = nil) throws -> PushSenders {
        var apns = apns
        apns.extraTrustRootPEM = apns.extraTrustRootPEM ?? extraTrustRootPEM
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        if let extraTrustRootPEM {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(extraTrustRootPEM.utf8)))]
            configuration.tlsConfiguration = tls
        }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            return PushSenders(
                apns: try APNsSender(client: client, settings: apns), fcm: FCMSender(client: client, settings: fcm),
                shutdown: { try? await client.shutdown() })
        } catch {
            try? client.syncShutdown()
            throw error
        }
    }

    func sender(forBindingType type: String) -> (any PushSender)? {
        switch type {
        case "apn": apns
        case "fcm", "gcm": fcm
        default: nil
        }
    }
}
