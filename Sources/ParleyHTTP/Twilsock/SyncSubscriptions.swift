import Foundation
import ParleyCore
import Synchronization

/// One connection's Sync subscriptions (`POST /v4/Subscriptions`), and the delivery of its user's events to them.
///
/// Live events and subscription requests are handled one at a time, in arrival order (`handle`), which is what makes
/// delivery exactly-once and in order: establishing a subscription replays, from the durable event log, the object's
/// events after the client's `last_event_id`; an event that arrives live before that is dropped (the object is not yet
/// subscribed, and the replay reads it from the log); one that arrives after is sent unless the replay already sent it
/// (each object remembers the last event id it was sent).
final class SyncSubscriptions: @unchecked Sendable {
    /// What the connection's processor handles.
    enum Command: Sendable {
        case delivery(EventHub.Delivery)
        case subscriptions(action: String, correlationId: JSONValue, requests: [Request])
    }

    struct Request: Sendable {
        var objectSid: String
        var objectType: String
        var lastEventId: Int64?
    }

    private let parley: Parley
    private let user: () -> ChatPrincipal
    private let send: @Sendable ([UInt8]) async throws -> Void
    /// Subscribed objects and the last event id each was sent (only the processor task touches this).
    private var subscribed: [SyncObject: Int64] = [:]

    init(parley: Parley, user: @escaping @Sendable () -> ChatPrincipal, send: @escaping @Sendable ([UInt8]) async throws -> Void) {
        self.parley = parley
        self.user = user
        self.send = send
    }

    /// Handles one command. Calls come one at a time, in the order the connection received them (see `TwilsockConnection.deliver`).
    func handle(_ command: Command, base: String) async throws {
            let user = self.user()
            let reader = SyncReader(parley: parley, user: user, base: base)
            let projector = SyncEventProjector(user: user, reader: reader)
            switch command {
            case .delivery(.event(let event)):
                try await deliverLive(event, projector: projector, base: base)
            case .delivery(.wake):
                return
            case .delivery(.typing(let signal)):
                guard signal.kind == .started else { return }
                try await send(
                    TwilsockFrames.notification(
                        messageType: "twilio.ipmsg.typing_indicator",
                        payload: .object([
                            ("channel_sid", .string(signal.conversationSid)), ("identity", .string(signal.identity)),
                            ("typing_timeout", .int(Int64(await parley.typing.timeout.components.seconds))),
                        ])))
            case .subscriptions(let action, let correlationId, let requests):
                try await handle(action: action, correlationId: correlationId, requests: requests, reader: reader, projector: projector)
            }
    }

    /// Sends a live event to the subscribed objects it changes. A new or changed message changes its conversation's
    /// messages list alike for every user, so its frame is projected and encoded once per event (in the event's
    /// `RenderCache`, keyed by the public base URL its item URLs carry) however many sockets it goes to; other events
    /// (rarer, some of them per user) are projected for this user.
    private func deliverLive(_ event: ChatEvent, projector: SyncEventProjector, base: String) async throws {
        guard case .message(let message) = event.resource else {
            return try await deliver(projector.events(for: event), messageType: nil)
        }
        let list = SyncObject.messages(message.conversationSid)
        guard let sent = subscribed[list], event.seq > sent else { return }
        subscribed[list] = event.seq
        let frame = event.renderCache.bytes(for: "twilsock \(base) \(list.name)") {
            projector.events(for: event).first { $0.object == list }.map { event in
                TwilsockFrames.notification(messageType: event.notification.messageType, payload: event.notification.payload)
            } ?? []
        }
        if !frame.isEmpty { try await send(frame) }
    }

    /// Sends the events of subscribed objects not sent yet; `messageType` nil sends each on its object's type (live),
    /// `twilio.sync.event` marks a replay.
    private func deliver(_ events: [SyncEvent], messageType: String?) async throws {
        for event in events {
            guard let sent = subscribed[event.object], event.id > sent else { continue }
            subscribed[event.object] = event.id
            let notification = event.notification
            try await send(TwilsockFrames.notification(messageType: messageType ?? notification.messageType, payload: notification.payload))
        }
    }

    private func handle(action: String, correlationId: JSONValue, requests: [Request], reader: SyncReader, projector: SyncEventProjector) async throws {
        var established: [JSONValue] = []
        var failed: [JSONValue] = []
        if action == "cancel" {
            for request in requests {
                if let object = SyncObject(name: request.objectSid) { subscribed[object] = nil }
                established.append(.object([("object_sid", .string(request.objectSid)), ("object_type", .string(request.objectType))]))
            }
            try await notify("subscription_canceled", correlationId: correlationId, events: established)
            return
        }
        for request in requests {
            do {
                guard let object = SyncObject(name: request.objectSid) else {
                    throw ParleyError.notFound(resource: "/v3/\(request.objectSid)")
                }
                // Reading the descriptor checks the user may see the object (a 404 otherwise) and gives the newest seq.
                let latest = try await reader.descriptor(object).lastEventId
                let from = min(request.lastEventId ?? latest, latest)
                subscribed[object] = from
                let replayed = try await replay(object, after: from, projector: projector)
                let last = max(subscribed[object] ?? from, replayed)
                established.append(
                    .object([
                        ("object_sid", .string(request.objectSid)), ("object_type", .string(request.objectType)),
                        ("replay_status", "completed"), ("last_event_id", .int(last)),
                    ]))
            } catch let error as ParleyError {
                let twilio = TwilioError(error)
                failed.append(
                    .object([
                        ("object_sid", .string(request.objectSid)), ("object_type", .string(request.objectType)),
                        ("error", .object([("code", .int(Int64(twilio.code))), ("message", .string(twilio.message)), ("status", .int(Int64(twilio.status.code)))])),
                    ]))
            }
        }
        if !established.isEmpty { try await notify("subscription_established", correlationId: correlationId, events: established) }
        if !failed.isEmpty { try await notify("subscription_failed", correlationId: correlationId, events: failed) }
    }

    /// Sends the object's events after `seq` from the durable log; returns the last event id sent (or `seq`). A log
    /// pruned past `seq` cannot replay: the object's current state is sent instead (`SyncEventProjector.currentState`).
    private func replay(_ object: SyncObject, after seq: Int64, projector: SyncEventProjector) async throws -> Int64 {
        let user = self.user()
        var cursor = seq
        while true {
            switch try await parley.eventLog.replay(serviceSid: user.serviceSid, identity: user.identity, after: cursor) {
            case .resyncRequired(let latest):
                // Pruned past `seq`: what the client missed is sent as the object's current state instead.
                for event in try await projector.currentState(of: object, seq: latest) {
                    try await send(TwilsockFrames.notification(messageType: "twilio.sync.event", payload: event.notification.payload))
                }
                subscribed[object] = latest
                return latest
            case .events(let events):
                guard let last = events.last else { return subscribed[object] ?? seq }
                let mine = events.flatMap(projector.events(for:)).filter { $0.object == object }
                try await deliver(mine, messageType: "twilio.sync.event")
                cursor = last.seq
            }
        }
    }

    private func notify(_ type: String, correlationId: JSONValue, events: [JSONValue]) async throws {
        try await send(
            TwilsockFrames.notification(
                messageType: "twilio.sync.event",
                payload: .object([
                    ("event_type", .string(type)), ("correlation_id", correlationId), ("event_protocol_version", 4), ("events", .array(events)),
                ])))
    }
}

/// A socket's subscription requests waiting for its delivery task, which takes them when the hub's stream wakes it.
final class SyncCommandInbox: Sendable {
    private let commands = Mutex<[SyncSubscriptions.Command]>([])

    func post(_ command: SyncSubscriptions.Command) { commands.withLock { $0.append(command) } }

    func takeAll() -> [SyncSubscriptions.Command] { commands.withLock { taken in defer { taken = [] }; return taken } }
}
