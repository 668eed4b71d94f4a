import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1

/// Sits right after NIO's HTTP/1 decoder on every connection and keeps a client from holding it open:
///
/// - a request the parser refuses (unknown method, Content-Length with Transfer-Encoding, a bad Content-Length, TLS
///   on the plain port, too many or too large headers) is answered 400/431/501 with Twilio's error body and the
///   connection closed. Without this nothing answers: Hummingbird turns NIO's error handler off and handles parse
///   errors itself only once a request has reached it, and hummingbird-websocket's upgrade handler, which holds
///   the first request, ignores errors, so the connection hung;
/// - a head that has started but does not complete within the header timeout, and a body that makes no progress
///   for the body timeout, get 408; a connection with no request in progress that receives nothing for the idle
///   timeout is closed;
/// - a WebSocket upgrade refused for its token is answered with the token's 401 instead of the library's empty 400.
///
/// After a WebSocket upgrade (101) it removes itself: sockets are kept alive by pings, not these timeouts.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Where the connection is, which decides the timeout that runs.
    private enum Phase: Equatable {
        /// No request in progress; `started`: bytes of the next head have arrived (header timeout, else idle timeout).
        case awaitingHead(started: Bool)
        /// A head has arrived and its body has not ended (body timeout, from the last progress).
        case readingBody
        /// Requests are read and being answered: the server is working, no timeout runs.
        case answering
        /// An answer of this guard is being sent, or the connection is closing: input and output are dropped.
        case closing
    }

    private let limits: ConnectionLimits
    private let pressure: ConnectionPressure
    /// Whether this connection is counted in `pressure` (from when the guard is added until it leaves).
    private var counted = false
    private let logger: Logger
    private var phase = Phase.awaitingHead(started: false)
    /// Request heads read whose response has not ended.
    private var unanswered = 0
    /// Request heads read on this connection.
    private var headsRead = 0
    /// A response head has been written and its end has not.
    private var responseInProgress = false
    /// The parser refused the input while a response was due: the answer to send once that response has ended.
    private var deferredAnswer: TwilioError?
    /// Answers the refused WebSocket upgrade in place of the library's empty 400 (set by `refuseUpgrade`).
    private var upgradeRefusal: TwilioError?
    /// The 101 of a WebSocket upgrade has been written: the guard leaves once it is flushed.
    private var upgraded = false
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?

    init(limits: ConnectionLimits, pressure: ConnectionPressure, logger: Logger) {
        self.limits = limits
        self.pressure = pressure
        self.logger = logger
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        pressure.opened()
        counted = true
        if context.channel.isActive { startTimer(limits.idleTimeout, context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        if counted { pressure.closed() }
        counted = false
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil, case .awaitingHead = phase { startTimer(limits.idleTimeout, context: context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closing
        cancelTimer()
        if headsRead == 0 {
            // The upgrade handler still waits for a first request: tell it none will come, so that it ends as for a
            // client that hung up (a trace line) instead of failing on removal (an error line from
            // hummingbird-websocket for every connection closed before its first request, e.g. by a timeout).
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch (event, phase) {
        case (is ChannelShouldQuiesceEvent, .awaitingHead):
            // Graceful shutdown: a connection between requests has nothing to finish. (Hummingbird's own handler
            // does the same, but only once a first request has set it up.)
            close(context: context)
        case (let event as ChannelEvent, .closing) where event == .inputClosed:
            return close(context: context)  // the client has read the answer and hung up: the linger is over
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .closing || deferredAnswer != nil { return }
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            headsRead += 1
            phase = .readingBody
            startTimer(limits.bodyTimeout, context: context)
        case .body:
            deadline = .now() + TimeAmount(limits.bodyTimeout)
        case .end:
            if unanswered > 0 {
                phase = .answering
                cancelTimer()
            } else {
                // The response went out before the body was read (a refusal): the connection is between requests.
                awaitNextRequest(context: context)
            }
        }
        context.fireChannelRead(data)
    }

    /// The decoder forwards this after every read from the socket, even one that completed no part: the first
    /// bytes of a head switch the idle timeout to the header timeout.
    func channelReadComplete(context: ChannelHandlerContext) {
        if phase == .awaitingHead(started: false) {
            phase = .awaitingHead(started: true)
            startTimer(limits.headerTimeout, context: context)
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // After a refusal the decoder repeats itself for every read: nothing to add.
        if case ByteToMessageDecoderError.dataReceivedInErrorState = error { return }
        // Input that ends mid-request (`invalidEOFState`: the client hung up, or this guard closed) is not answered.
        if phase != .closing, deferredAnswer == nil, let parserError = error as? HTTPParserError, parserError != .invalidEOFState {
            let answer = TwilioError(parserError)
            logger.debug("refused a malformed request", metadata: ["error": "\(parserError)", "status": "\(answer.status.code)"])
            // Answer now unless a response is due first (a pipelined request being answered): answers keep their order.
            let earlierRequests = phase == .readingBody ? unanswered - 1 : unanswered
            if !responseInProgress, earlierRequests == 0 {
                send(answer, context: context)
            } else {
                deferredAnswer = answer
                cancelTimer()
            }
        }
        // The error goes on in every case: it is what fails a handler still reading the request's body, which would
        // otherwise see the body end early and take the part for the whole. What that handler, or Hummingbird,
        // answers after this guard's answer is dropped (`write` while closing).
        context.fireErrorCaught(error)
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if phase == .closing {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status == .switchingProtocols:
            // A WebSocket from here on: hand the connection over untimed, once the 101 is flushed (see `flush`).
            upgraded = true
            cancelTimer()
        case .head(let head) where head.status.code < 200:
            break  // informational (100 Continue): the response is still to come
        case .head(let head):
            responseInProgress = true
            if let refusal = upgradeRefusal, head.status == .badRequest {
                upgradeRefusal = nil
                let (refusalHead, body) = Self.response(refusal, version: head.version)
                context.write(wrapOutboundOut(.head(refusalHead)), promise: promise)
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                return
            }
        case .body:
            break
        case .end:
            responseInProgress = false
            unanswered = max(0, unanswered - 1)
            if unanswered == 0, let answer = deferredAnswer {
                context.write(data, promise: promise)
                send(answer, context: context)
                return
            }
            if unanswered == 0, phase == .answering { awaitNextRequest(context: context) }
        }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        // Removed here, not in `write`: `writeAndFlush` calls both on this handler, and the flush of a removed
        // handler goes nowhere (the 101 would never leave).
        if upgraded { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }

    // MARK: WebSocket refusals

    /// Makes the next failed-upgrade answer on `channel` Twilio's error body with `error`'s status and code.
    /// hummingbird-websocket answers every refused upgrade with an empty 400 and no way to change it.
    static func refuseUpgrade(on channel: any Channel, with error: TwilioError) async {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ConnectionGuard.self).upgradeRefusal = error
        }.get()
    }

    // MARK: Timeouts

    private func awaitNextRequest(context: ChannelHandlerContext) {
        phase = .awaitingHead(started: false)
        startTimer(limits.idleTimeout, context: context)
    }

    private func startTimer(_ timeout: Duration, context: ChannelHandlerContext) {
        cancelTimer()
        deadline = .now() + TimeAmount(timeout)
        scheduleTimer(context: context)
    }

    private func scheduleTimer(context: ChannelHandlerContext) {
        guard var deadline else { return }
        // An idle connection looks again every `idleUnderPressure`: near the cap it is closed then (`timerFired`).
        if phase == .awaitingHead(started: false) { deadline = min(deadline, .now() + TimeAmount(ConnectionPressure.idleUnderPressure)) }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timerFired(context: context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let deadline else { return }
        let now = NIODeadline.now()
        if now < deadline {
            let idleSince = deadline - TimeAmount(limits.idleTimeout)
            if phase == .awaitingHead(started: false), pressure.isHigh, now >= idleSince + TimeAmount(ConnectionPressure.idleUnderPressure) {
                logger.debug("closing an idle connection: connections are near the cap")
                return close(context: context)
            }
            // Body progress moves the deadline without rescheduling: wait for the rest.
            return scheduleTimer(context: context)
        }
        switch phase {
        case .awaitingHead(started: false):
            logger.debug("closing an idle connection")
            close(context: context)
        case .awaitingHead(started: true):
            logger.debug("request head timed out")
            send(.requestTimeout("the request head did not arrive within \(limits.headerTimeout)"), context: context)
        case .readingBody:
            logger.debug("request body timed out")
            // 408 only when this request is the one due an answer and none has started; else just close.
            if responseInProgress || unanswered != 1 {
                close(context: context)
            } else {
                send(.requestTimeout("the request body made no progress for \(limits.bodyTimeout)"), context: context)
            }
        case .closing:
            close(context: context)  // the linger after an answer is over
        case .answering:
            break
        }
    }

    // MARK: Answers

    /// Sends `answer` (with `Connection: close`), then half-closes and lingers: the client reads the answer to its
    /// end and sees the connection end, and what it still sends (the rest of 1 MB of headers) is read and dropped
    /// for up to `lingerTime`, so that closing does not reset the connection under an answer not read yet.
    private func send(_ answer: TwilioError, context: ChannelHandlerContext) {
        phase = .closing
        cancelTimer()
        guard context.channel.isActive else { return }
        let (head, body) = Self.response(answer, version: .http1_1)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [self] _ in
            guard phase == .closing, context.channel.isActive else { return }
            startTimer(Self.lingerTime, context: context)
            context.close(mode: .output).assumeIsolated().whenFailure { [self] _ in close(context: context) }
        }
    }

    /// How long a connection is read and drained after this guard's answer before it is closed.
    static let lingerTime = Duration.seconds(2)

    private func close(context: ChannelHandlerContext) {
        phase = .closing
        cancelTimer()
        context.close(promise: nil)
    }

    /// The head and JSON body of `error` as Twilio answers it, with a request id as every answer has.
    private static func response(_ error: TwilioError, version: HTTPVersion) -> (HTTPResponseHead, ByteBuffer) {
        let body = ByteBuffer(bytes: error.body.utf8)
        var headers = HTTPHeaders([
            ("Content-Type", "application/json; charset=utf-8"), ("Content-Length", String(body.readableBytes)), ("Connection", "close"),
            (HTTPField.Name.twilioRequestId.rawName, RequestId.make()),
        ])
        for field in error.headers { headers.add(name: field.name.rawName, value: field.value) }
        let head = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: error.status.code, reasonPhrase: error.status.reasonPhrase), headers: headers)
        return (head, body)
    }
}
