import Logging
import ServiceLifecycle

/// Conversation timers (`Timers.Inactive`, `Timers.Closed`): moves conversations whose `date_inactive` or
/// `date_closed` has passed to `inactive` or `closed`. Closing releases the conversation's bindings (the store's
/// conversation update does), so the next inbound message from the same pair autocreates a new conversation.
/// The due times are columns, so nothing is lost across restarts.
public struct ConversationTimerService: Sendable {
    let store: Store
    let events: EventRecorder
    let now: @Sendable () -> Timestamp

    /// Applies every timer due now, in batches of `batch`; returns how many conversations changed state.
    @discardableResult
    public func expire(batch: Int = 200) async throws -> Int {
        var total = 0
        while true {
            let now = self.now()
            let events = self.events
            let changed = try await store.write { tx -> Int in
                var changed = 0
                for var conversation in try tx.conversationsDueClosed(at: now, limit: batch) {
                    conversation.state = .closed
                    try Self.save(&conversation, events: events, now: now, tx: tx)
                    changed += 1
                }
                for var conversation in try tx.conversationsDueInactive(at: now, limit: batch) {
                    conversation.state = .inactive
                    try Self.save(&conversation, events: events, now: now, tx: tx)
                    changed += 1
                }
                return changed
            }
            total += changed
            if changed < batch { return total }
        }
    }

    private static func save(_ conversation: inout Conversation, events: EventRecorder, now: Timestamp, tx: StoreTransaction) throws {
        // The inactive timer is spent; the closed timer keeps its due time unless the conversation is now closed.
        if conversation.state == .closed { conversation.timers.dateClosed = nil }
        conversation.timers.dateInactive = nil
        conversation.dateUpdated = now
        try tx.update(conversation)
        try events.recordForMembers(.conversationUpdated, .conversation(conversation), conversation: conversation, now: now, in: tx)
    }
}

/// Runs `ConversationTimerService.expire` every `interval` for as long as the server runs.
public struct ConversationTimerScheduler: Service {
    let timers: ConversationTimerService
    let interval: Duration
    let logger: Logger

    public init(timers: ConversationTimerService, interval: Duration = .seconds(5), logger: Logger) {
        self.timers = timers
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await PeriodicWork.run(every: interval, logger: logger, did: "conversation timers fired", failed: "conversation timers failed") {
            try await timers.expire()
        }
    }
}
