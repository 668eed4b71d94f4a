import Foundation
import NIOSSL

/// The TLS configurations APNs requests use: the base one (the system's roots plus the optional extra trust root, ALPN
/// left to AsyncHTTPClient so it offers h2), and one per certificate-auth credential with its client certificate and
/// key, parsed once and cached (AsyncHTTPClient pools connections per TLS configuration, so each credential gets its own).
actor APNsTLSConfigurations {
    private struct Credential: Hashable {
        var certificatePEM: String
        var privateKeyPEM: String
    }

    nonisolated let base: TLSConfiguration
    private var cached: [Credential: TLSConfiguration] = [:]

    init(extraTrustRootPEM: String?) throws {
        var base = TLSConfiguration.makeClientConfiguration()
        if let pem = extraTrustRootPEM {
            base.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))]
        }
        self.base = base
    }

    /// The configuration presenting this client certificate (and any intermediates in the PEM) with its key.
    func configuration(certificatePEM: String, privateKeyPEM: String) throws -> TLSConfiguration {
        let credential = Credential(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM)
        if let configuration = cached[credential] { return configuration }
        var configuration = base
        configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) }
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem))
        cached[credential] = configuration
        return configuration
    }
}
