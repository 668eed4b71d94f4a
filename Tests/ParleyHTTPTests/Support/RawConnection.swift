import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a server on 127.0.0.1, for bytes no HTTP client sends (malformed requests, heads
/// dribbled a byte at a time, bodies cut short, connections left idle).
struct RawConnection: Sendable {
    /// What came back: the bytes, whether the server closed the connection, and when (since the first byte sent).
    struct Outcome: Sendable {
        var received: [UInt8] = []
        /// The server closed the connection (end of input or a reset) within the time allowed.
        var closedByServer = false
        /// Seconds from the start of sending until the server closed (or the wait ended).
        var elapsed: Double = 0
        var text: String { String(decoding: received, as: UTF8.self) }
        /// The status code of the first answer, if one came.
        var status: Int? {
            guard let line = text.split(separator: "\r\n", maxSplits: 1).first, line.hasPrefix("HTTP/1.1 ") else { return nil }
            return Int(line.dropFirst(9).prefix(3))
        }
        /// The JSON body of the first answer, if it has one.
        var json: [String: Any]? {
            guard let range = text.range(of: "\r\n\r\n") else { return nil }
            let body = text[range.upperBound...]
            return (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func open(port: Int) async throws -> RawConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return RawConnection(channel: channel)
    }

    /// Sends `pieces` (with `pause` before each after the first) and reads until the server closes the connection,
    /// or `within` has passed. A failed send (the server closed first) ends the sending, not the exchange.
    /// `hangUp`: close the sending side once all is sent (the client hangs up mid-request).
    func exchange(_ pieces: [[UInt8]], pause: Duration = .zero, hangUp: Bool = false, within: Duration) async throws -> Outcome {
        let start = ContinuousClock.now
        let received = ReceivedBytes()
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    for (index, piece) in pieces.enumerated() {
                        if index > 0, pause > .zero { try await Task.sleep(for: pause) }
                        do { try await outbound.write(ByteBuffer(bytes: piece)) } catch { break }
                    }
                    if hangUp { outbound.finish() }
                    return nil
                }
                group.addTask {
                    var closed = false
                    do {
                        for try await buffer in inbound { received.bytes.withLock { $0 += Array(buffer.readableBytesView) } }
                        closed = true
                    } catch is CancellationError {
                    } catch {
                        closed = true  // reset by the server
                    }
                    return Outcome(received: received.bytes.withLock { $0 }, closedByServer: closed, elapsed: (ContinuousClock.now - start).seconds)
                }
                group.addTask {
                    try await Task.sleep(for: within)
                    return Outcome(received: received.bytes.withLock { $0 }, elapsed: (ContinuousClock.now - start).seconds)
                }
                var partial: Outcome?
                while let next = try await group.next() {
                    if let outcome = next { partial = outcome; break }
                }
                group.cancelAll()
                return partial ?? Outcome()
            }
        }
    }

    /// Sends `text` (an HTTP request) and waits for the server to close, at most `within`.
    func exchange(_ text: String, within: Duration = .seconds(10)) async throws -> Outcome {
        try await exchange([Array(text.utf8)], within: within)
    }
}

/// What a connection has received so far, shared by the task reading it and the one that ends the wait.
private final class ReceivedBytes: Sendable {
    let bytes = Mutex<[UInt8]>([])
}

extension Duration {
    /// The duration in seconds, as a Double.
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
