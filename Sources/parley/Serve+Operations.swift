import ArgumentParser
import HummingbirdTLS
import Metrics
import ParleyHTTP
import Prometheus

extension Serve {
    /// Metrics (bootstrapped here, once, for the process), rate limiting and TLS, from the flags.
    func configureOperations(_ settings: inout ServerSettings) throws {
        if !noMetrics {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            settings.metrics = ParleyMetrics(registry: registry)
        }
        if let rateLimit {
            guard rateLimit > 0 else { throw ValidationError("--rate-limit must be positive") }
            settings.rateLimit = rateLimit
        }
        switch (tlsCert, tlsKey) {
        case (nil, nil):
            break
        case (let cert?, let key?):
            settings.tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        default:
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }
}
