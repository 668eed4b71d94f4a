import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// HTTP to the server under test: Basic auth, form bodies, a connection pool sized to the concurrency.
struct LoadClient: Sendable {
    let client: HTTPClient
    let base: String
    let authorization: String

    struct Answer: Sendable {
        var status: Int
        var body: String

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var sid: String? { json["sid"] as? String }
    }

    init(port: Int, credentials: (String, String), concurrency: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, concurrency))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        base = "http://127.0.0.1:\(port)"
        authorization = "Basic " + Data("\(credentials.0):\(credentials.1)".utf8).base64EncodedString()
    }

    func get(_ path: String) async throws -> Answer {
        try await send(.GET, path, form: [])
    }

    func post(_ path: String, _ form: [(String, String)]) async throws -> Answer {
        try await send(.POST, path, form: form)
    }

    func send(_ method: HTTPMethod, _ path: String, form: [(String, String)], headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let body = form.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: body))
    }

    func shutdown() async throws {
        try await client.shutdown()
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }
}

/// Runs `operation` `count` times with at most `concurrency` in flight, timing each; stops early at `deadline`.
func timedRuns(count: Int, concurrency: Int, deadline: Duration = .seconds(60), _ operation: @escaping @Sendable (Int) async throws -> Void)
    async throws -> (latencies: [Double], seconds: Double)
{
    let clock = ContinuousClock()
    let start = clock.now
    let stopAt = start + deadline
    let latencies = try await withThrowingTaskGroup(of: Double?.self) { group in
        var next = 0
        var results: [Double] = []
        results.reserveCapacity(min(count, 100_000))
        func launch() {
            let index = next
            next += 1
            group.addTask {
                guard clock.now < stopAt else { return nil }
                let began = clock.now
                try await operation(index)
                return (clock.now - began).seconds
            }
        }
        for _ in 0..<min(concurrency, count) { launch() }
        while let result = try await group.next() {
            if let result { results.append(result) }
            if next < count && clock.now < stopAt { launch() }
        }
        return results
    }
    return (latencies, (clock.now - start).seconds)
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
