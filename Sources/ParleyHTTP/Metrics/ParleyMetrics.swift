import Hummingbird
import Metrics
import ParleyCore
import Prometheus
import Synchronization

/// The server's Prometheus metrics, written to one registry that `GET /metrics` renders.
///
/// Every metric is made with an explicit factory over `registry`; nothing here touches the global
/// `MetricsSystem` (the executable bootstraps that, once, with the same registry).
///
/// - `parley_http_requests_total{route,method,status}` and `parley_http_request_duration_seconds{route,method}` (histogram)
/// - `parley_websocket_connections` (gauge, sampled at each scrape)
/// - `parley_sqlite_write_wait_seconds` (histogram: time a write waited for its group-commit transaction)
/// - anything registered with `sample(_:_:)`: the hook for outbox depth and age once outboxes exist.
public final class ParleyMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let writeWait: Metrics.Timer
    private let samplers = Mutex<[(String, @Sendable () async throws -> Double)]>([])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["parley_sqlite_write_wait_seconds"] = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.factory = factory
        self.writeWait = Metrics.Timer(label: "parley_sqlite_write_wait_seconds", dimensions: [], factory: factory)
    }

    /// Registers a gauge whose value is read at each scrape (e.g. `parley_outbox_depth`, `parley_outbox_oldest_age_seconds`).
    public func sample(_ name: String, _ value: @escaping @Sendable () async throws -> Double) {
        samplers.withLock { $0.append((name, value)) }
    }

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        Counter(label: "parley_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
        Metrics.Timer(label: "parley_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Starts observing the store's write queue and the hub's connections.
    func observe(_ parley: Parley) {
        let writeWait = self.writeWait
        parley.store.observeWriteWait { wait in
            writeWait.recordNanoseconds(wait.components.seconds * 1_000_000_000 + wait.components.attoseconds / 1_000_000_000)
        }
        let hub = parley.hub
        sample("parley_websocket_connections") { Double(hub.connectionCount) }
    }

    /// The registry in Prometheus' text format, after sampling the gauges.
    func render() async -> [UInt8] {
        for (name, value) in samplers.withLock({ $0 }) {
            if let current = try? await value() { Gauge(label: name, dimensions: [], factory: factory).record(current) }
        }
        return registry.emitToBuffer()
    }
}

/// Counts and times every request by its route template (`/v1/Conversations/{conversationSid}`, never the raw path).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ParleyMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.recordRequest(
                route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: Int(response.status.code),
                duration: ContinuousClock.now - start)
            return response
        } catch {
            metrics.recordRequest(
                route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: 500, duration: ContinuousClock.now - start)
            throw error
        }
    }
}

/// `GET /metrics`: Prometheus text exposition, without authentication (it holds counts, never data); keep the
/// port private or restrict the path at the proxy.
struct MetricsController: Sendable {
    let metrics: ParleyMetrics

    func register(on router: Router<ParleyRequestContext>) {
        router.get("metrics") { _, _ -> Response in
            var buffer = ByteBuffer()
            buffer.writeBytes(await metrics.render())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .contentLength: String(buffer.readableBytes)],
                body: ResponseBody(byteBuffer: buffer))
        }
    }
}
