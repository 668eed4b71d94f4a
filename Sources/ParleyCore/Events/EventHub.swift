import Synchronization

/// In-process fan-out of live events to the connected clients of each user.
///
/// Publishing never waits for a client: each subscription has a bounded buffer, and a client that
/// falls behind by more than that is cut off (its stream ends with `overflowed` set) rather than
/// slowing anyone else down. It sits behind this small interface so a multi-node store can feed it
/// from elsewhere (PostgreSQL LISTEN/NOTIFY) later.
public final class EventHub: Sendable {
    /// What a subscription receives.
    public enum Delivery: Sendable, Equatable {
        /// A durable event, already committed. Boxed (`indirect`): handing it to a thousand connections then retains
        /// one box each instead of copying every field.
        indirect case event(ChatEvent)
        /// An ephemeral signal (typing), never stored.
        case typing(TypingSignal)
        /// Nothing happened on the hub: the connection asked to be woken (`wake`), to handle work of its own in order
        /// with its deliveries.
        case wake
    }

    /// One connection's view of the hub.
    public final class Subscription: Sendable {
        public let id: Int
        public let stream: AsyncStream<Delivery>
        fileprivate let key: Key
        private let overflowFlag = Mutex(false)

        /// True when the stream ended because the client could not keep up.
        public var overflowed: Bool { overflowFlag.withLock { $0 } }

        fileprivate init(id: Int, key: Key, stream: AsyncStream<Delivery>) {
            self.id = id
            self.key = key
            self.stream = stream
        }

        func markOverflowed() { overflowFlag.withLock { $0 = true } }
    }

    fileprivate struct Key: Hashable, Sendable {
        var serviceSid: String
        var identity: String
    }

    private struct Subscriber {
        var subscription: Subscription
        var continuation: AsyncStream<Delivery>.Continuation
    }

    private struct State {
        var nextID = 0
        var subscribers: [Key: [Int: Subscriber]] = [:]
    }

    private let state = Mutex(State())
    /// How many deliveries a subscription may hold before it is cut off.
    public let bufferSize: Int

    public init(bufferSize: Int = 1024) {
        self.bufferSize = bufferSize
    }

    /// Starts receiving the user's live deliveries. Call `unsubscribe` when the connection ends.
    public func subscribe(serviceSid: String, identity: String) -> Subscription {
        let (stream, continuation) = AsyncStream<Delivery>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        let key = Key(serviceSid: serviceSid, identity: identity)
        return state.withLock { state in
            state.nextID += 1
            let subscription = Subscription(id: state.nextID, key: key, stream: stream)
            state.subscribers[key, default: [:]][subscription.id] = Subscriber(subscription: subscription, continuation: continuation)
            return subscription
        }
    }

    public func unsubscribe(_ subscription: Subscription) {
        let key = subscription.key
        let removed = state.withLock { state in
            let subscriber = state.subscribers[key]?.removeValue(forKey: subscription.id)
            if state.subscribers[key]?.isEmpty == true { state.subscribers[key] = nil }
            return subscriber
        }
        removed?.continuation.finish()
    }

    /// Ends every subscription's stream (graceful shutdown: each connection closes with its reason). The
    /// subscriptions stay counted until their connections `unsubscribe`, so `connectionCount` reaching 0 means closed.
    public func closeAll() {
        let all = state.withLock { state in state.subscribers.values.flatMap(\.values) }
        for subscriber in all { subscriber.continuation.finish() }
    }

    /// Delivers committed events addressed to one user each to that user's connections.
    public func publish(_ events: [ChatEvent]) {
        for event in events {
            guard let identity = event.identity else { continue }
            deliver(.event(event), serviceSid: event.serviceSid, identities: [identity])
        }
    }

    /// Delivers a committed conversation event to the connections of its members.
    public func publish(_ event: ChatEvent, to identities: [String]) {
        deliver(.event(event), serviceSid: event.serviceSid, identities: identities)
    }

    /// Delivers a typing signal to the given users' connections.
    public func publish(_ signal: TypingSignal, to identities: [String]) {
        deliver(.typing(signal), serviceSid: signal.serviceSid, identities: identities)
    }

    /// Puts `.wake` in the subscription's stream, after what it already holds: a connection that reads one stream
    /// handles its own requests (posted elsewhere) in order with its deliveries, without a second task between them.
    public func wake(_ subscription: Subscription) {
        let target = state.withLock { state in state.subscribers[subscription.key]?[subscription.id] }
        guard let target, case .dropped = target.continuation.yield(.wake) else { return }
        target.subscription.markOverflowed()
        unsubscribe(target.subscription)
    }

    /// How many connections are open, for metrics and tests.
    public var connectionCount: Int {
        state.withLock { $0.subscribers.values.reduce(0) { $0 + $1.count } }
    }

    private func deliver(_ delivery: Delivery, serviceSid: String, identities: [String]) {
        let targets = state.withLock { state in
            var targets: [Subscriber] = []
            targets.reserveCapacity(identities.count)
            for identity in identities {
                if let subscribers = state.subscribers[Key(serviceSid: serviceSid, identity: identity)] { targets += subscribers.values }
            }
            return targets
        }
        for target in targets {
            if case .dropped = target.continuation.yield(delivery) {
                target.subscription.markOverflowed()
                unsubscribe(target.subscription)
            }
        }
    }
}

/// A participant started or stopped typing in a conversation.
public struct TypingSignal: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case started = "typingStarted", ended = "typingEnded" }
    public var kind: Kind
    public var serviceSid: String
    public var conversationSid: String
    public var identity: String
    public var participantSid: String

    public init(kind: Kind, serviceSid: String, conversationSid: String, identity: String, participantSid: String) {
        self.kind = kind
        self.serviceSid = serviceSid
        self.conversationSid = conversationSid
        self.identity = identity
        self.participantSid = participantSid
    }
}
