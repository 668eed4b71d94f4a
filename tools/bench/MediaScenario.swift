import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// `media`: uploads and downloads of 1 MB and 50 MB files, one at a time, with the server's peak RSS while each size
/// runs: streaming means it stays flat instead of growing with the file.
func mediaScenario(client: LoadClient, serviceSid: String, sizes: Sizes, residentBytes: @escaping @Sendable () -> Double) async throws
    -> ([Measurement], [Figure])
{
    var rows: [Measurement] = []
    var figures: [Figure] = []
    for (bytes, count) in sizes.mediaFiles {
        let payload = ByteBuffer(repeating: 0x5A, count: bytes)
        let peak = Mutex(residentBytes())
        let sampler = Task {
            while !Task.isCancelled {
                let now = residentBytes()
                peak.withLock { $0 = max($0, now) }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let label = bytes >= 1_000_000 ? "\(bytes / 1_000_000) MB" : "\(bytes / 1000) KB"
        let uploaded = Mutex<[String]>([])
        let uploads = try await timedRuns(count: count, concurrency: 1, deadline: .seconds(120)) { index in
            var request = HTTPClientRequest(url: "\(client.base)/v1/Services/\(serviceSid)/Media?Filename=bench\(index).bin")
            request.method = .POST
            request.headers.add(name: "Authorization", value: client.authorization)
            request.headers.add(name: "Content-Type", value: "video/mp4")
            // Each upload differs in its first byte, so content-addressing cannot skip the write.
            var body = payload
            body.setInteger(UInt8(truncatingIfNeeded: index), at: 0)
            request.body = .bytes(body)
            let response = try await client.client.execute(request, timeout: .seconds(120))
            let answer = try await response.body.collect(upTo: 1 << 20)
            guard response.status.code == 201, let sid = LoadClient.Answer(status: 201, body: String(buffer: answer)).sid else {
                throw BenchError("media upload answered \(response.status.code): \(String(buffer: answer).prefix(200))")
            }
            uploaded.withLock { $0.append(sid) }
        }
        let sids = uploaded.withLock { $0 }
        let downloads = try await timedRuns(count: sids.count, concurrency: 1, deadline: .seconds(120)) { index in
            var request = HTTPClientRequest(url: "\(client.base)/v1/Services/\(serviceSid)/Media/\(sids[index])/Content")
            request.headers.add(name: "Authorization", value: client.authorization)
            let response = try await client.client.execute(request, timeout: .seconds(120))
            var received = 0
            for try await chunk in response.body { received += chunk.readableBytes }
            guard response.status.code == 200, received == bytes else { throw BenchError("media download: \(response.status.code), \(received) bytes") }
        }
        sampler.cancel()
        let megabytes = Double(bytes) / 1_000_000
        rows.append(
            Measurement(
                scenario: "media", variant: "upload \(label)", count: uploads.latencies.count, seconds: uploads.seconds, latencies: uploads.latencies,
                note: String(format: "%.0f MB/s", megabytes * Double(uploads.latencies.count) / max(uploads.seconds, 1e-9))))
        rows.append(
            Measurement(
                scenario: "media", variant: "download \(label)", count: downloads.latencies.count, seconds: downloads.seconds,
                latencies: downloads.latencies,
                note: String(format: "%.0f MB/s", megabytes * Double(downloads.latencies.count) / max(downloads.seconds, 1e-9))))
        figures.append(Figure(name: "server RSS peak during \(label) media", value: peak.withLock { $0 } / 1_048_576, unit: "MiB"))
    }
    return (rows, figures)
}
