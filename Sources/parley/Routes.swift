import ArgumentParser
import ParleyHTTP

/// `parley routes` (hidden): every operation the HTTP router serves, one `METHOD /path` a line, read from the router
/// itself. tools/fuzz/spec.py cuts the OpenAPI description down to this list, so the fuzzer covers what is served.
struct Routes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the operations the HTTP router serves, one 'METHOD /path' a line (for tools/fuzz/spec.py).", shouldDisplay: false)

    func run() throws {
        for route in try servedRoutes() { print(route) }
    }
}
