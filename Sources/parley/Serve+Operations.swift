import ArgumentParser
import HummingbirdTLS
import Metrics
import ParleyHTTP
import Prometheus

extension Serve {
    /// Metrics (bootstrapped here, once, for the process), rate limits, readiness and TLS, from the flags.
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
        guard authFailuresPerMinute >= 0, minFreeDiskMb >= 0 else {
            throw ValidationError("--auth-failures-per-minute and --min-free-disk-mb must not be negative")
        }
        settings.authFailuresPerMinute = authFailuresPerMinute > 0 ? authFailuresPerMinute : nil
        settings.minimumFreeDiskBytes = minFreeDiskMb > 0 ? Int64(minFreeDiskMb) * 1_048_576 : nil
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
