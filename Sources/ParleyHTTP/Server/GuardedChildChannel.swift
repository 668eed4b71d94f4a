import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// A server child channel (HTTP/1 with the WebSocket upgrade) with a `ConnectionGuard` right after NIO's HTTP/1
/// decoder. The libraries' `additionalChannelHandlers` go in only after the first request head has been parsed and
/// the upgrade declined, too late for a first request the parser refuses, a slow head or an idle new connection.
struct GuardedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let limits: ConnectionLimits
    /// Shared by every connection of the server.
    let pressure: ConnectionPressure

    init(base: Base, limits: ConnectionLimits) {
        self.base = base
        self.limits = limits
        self.pressure = ConnectionPressure(maxConnections: limits.maxConnections)
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            let decoder = try operations.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try operations.addHandler(ConnectionGuard(limits: limits, pressure: pressure, logger: logger), position: .after(decoder.handler))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
