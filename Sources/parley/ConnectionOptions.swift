import ArgumentParser
import Logging
import ParleyHTTP

/// `parley serve`'s connection timeouts and cap (README, "Connections and timeouts").
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Seconds from the first byte of a request head until the head is complete; then 408 and the connection closes (slow-header clients).")
    var headerTimeout = 10
    @Option(help: "Seconds a request body may go without a byte arriving; then 408 and the connection closes.")
    var bodyTimeout = 30
    @Option(help: "Seconds a connection without a request in progress may stay silent; then it closes. Not WebSockets: they are pinged.")
    var idleTimeout = 75
    @Option(help: "Connections served at once, WebSockets included; more wait in the listen backlog. Lowered to the open-file limit minus 128.")
    var maxConnections = 4096

    /// The limits, with the connection cap fitted under the process's open-file limit (logged when lowered).
    func limits(logger: Logger) throws -> ConnectionLimits {
        guard headerTimeout > 0, bodyTimeout > 0, idleTimeout > 0, maxConnections > 0 else {
            throw ValidationError("--header-timeout, --body-timeout, --idle-timeout and --max-connections must be positive")
        }
        let wanted = ConnectionLimits(
            headerTimeout: .seconds(headerTimeout), bodyTimeout: .seconds(bodyTimeout), idleTimeout: .seconds(idleTimeout),
            maxConnections: maxConnections)
        guard let openFiles = ConnectionLimits.openFileLimit() else { return wanted }
        let fitted = wanted.fitting(openFileLimit: openFiles)
        if fitted.maxConnections < wanted.maxConnections {
            logger.warning(
                "--max-connections lowered to fit the open-file limit",
                metadata: ["max_connections": "\(fitted.maxConnections)", "open_file_limit": "\(openFiles)"])
        }
        return fitted
    }
}
