import ArgumentParser
import Logging
import ParleyCore

/// `parley serve` options for Parley's own requests to URLs outsiders choose (inbound channel media, webhooks).
struct OutboundOptions: ParsableArguments {
    @Option(
        help: """
            Comma-separated hosts, addresses and CIDR ranges that inbound media and webhooks may reach although they are \
            not public (e.g. 10.0.0.0/8,hooks.internal,127.0.0.1); by default only public addresses are called.
            """)
    var allowPrivateTargets = ""

    func validate() throws {
        _ = try outbound(logger: Logger(label: "parley"))
    }

    /// The outbound client these options describe, logging refusals to `logger`.
    func outbound(logger: Logger) throws -> OutboundHTTP {
        do {
            return OutboundHTTP(policy: try OutboundPolicy(allowing: allowPrivateTargets), logger: logger)
        } catch {
            throw ValidationError("--allow-private-targets: \(error)")
        }
    }
}
