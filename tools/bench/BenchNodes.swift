import Foundation

/// The `parley serve` nodes under test: node A on `port`, and with `--nodes 2` node B on `port + 1` on the same
/// PostgreSQL database, data folder and key file; a load client for each. Setup requests go to A; where a scenario
/// sends its measured requests with two nodes is said at the scenario.
struct BenchNodes: Sendable {
    let servers: [ServerProcess]
    let clients: [LoadClient]
    /// From each node's start to its first answered request.
    let coldStarts: [Duration]
    private let cleanup: InterruptCleanup
    /// Each node's stop, registered in case the bench is interrupted.
    private let interruptKeys: [Int]

    /// Starts `count` nodes one after another, each once the previous one answers; none is left running on failure or
    /// interruption.
    static func start(
        count: Int, binary: String, port: Int, databaseArguments: [String], credentials: (String, String), extraArguments: [String],
        cleanup: InterruptCleanup
    ) async throws -> BenchNodes {
        var servers: [ServerProcess] = []
        var coldStarts: [Duration] = []
        var interruptKeys: [Int] = []
        do {
            for node in 0..<count {
                let (server, coldStart) = try await ServerProcess.start(
                    binary: binary, port: port + node, databaseArguments: databaseArguments, credentials: credentials,
                    extraArguments: extraArguments)
                servers.append(server)
                coldStarts.append(coldStart)
                interruptKeys.append(cleanup.add { server.stop() })
            }
        } catch {
            for key in interruptKeys { cleanup.remove(key) }
            for server in servers { server.stop() }
            throw error
        }
        let clients = servers.map { LoadClient(port: $0.port, credentials: credentials, concurrency: 256) }
        return BenchNodes(servers: servers, clients: clients, coldStarts: coldStarts, cleanup: cleanup, interruptKeys: interruptKeys)
    }

    var count: Int { servers.count }
    /// Node A: setup requests, and every scenario that does not spread its load.
    var first: LoadClient { clients[0] }
    /// The node that reads (`page`) and holds the sockets (`fanout`, `twilsock`): B with two nodes, A with one.
    var last: LoadClient { clients[clients.count - 1] }
    var lastPort: Int { servers[servers.count - 1].port }

    /// Round robin: request `index` goes to node `index % count`.
    func client(for index: Int) -> LoadClient { clients[index % clients.count] }

    /// `name` as a figure of node `node`: unchanged with one node, "node B <name>" with two.
    func figureName(_ name: String, node: Int) -> String {
        count == 1 ? name : "node \(Character(UnicodeScalar(UInt8(ascii: "A") + UInt8(node)))) \(name)"
    }

    /// `figures` measured on node `node`, named as its figures (`figureName`).
    func figures(_ figures: [Figure], of node: Int) -> [Figure] {
        figures.map { Figure(name: figureName($0.name, node: node), value: $0.value, unit: $0.unit) }
    }

    /// Closes the load clients and stops every node.
    func stop() async {
        for client in clients { try? await client.shutdown() }
        for key in interruptKeys { cleanup.remove(key) }
        for server in servers { server.stop() }
    }
}
