import Foundation
import Logging
import ServiceLifecycle

/// On a shared store (several nodes on one PostgreSQL database), makes committed events live on this node: it reads
/// the durable log in seq order, up to the event horizon (`Store.eventHorizon`), and hands each event to this node's
/// hub, whichever node wrote it. Woken by the writers' notifications (`Store.listen`), and every `pollInterval` in
/// case one was lost; after a lost connection it catches up from where it was, so a node misses nothing but what
/// pruning removed (its clients resync, as after any gap). Typing signals, which have no rows, arrive the same way.
public struct EventTail: Service {
    let store: Store
    let hub: EventHub
    let logger: Logger
    let pollInterval: Duration
    /// Events read per query.
    let batch = 500

    public init(parley: Parley, pollInterval: Duration = .seconds(1), logger: Logger) {
        self.store = parley.store
        self.hub = parley.hub
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        guard store.isShared else { return }
        let bell = WakeSignal()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await store.listen { message in
                        if case .signal(let text) = message { await deliver(signal: text) } else { bell.ring() }
                    }
                }
                group.addTask { await follow(bell) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Publishes the log from the current horizon on, each time the bell rings or `pollInterval` passes.
    private func follow(_ bell: WakeSignal) async {
        var last: Int64?
        while !Task.isCancelled {
            do {
                let horizon = try await store.eventHorizon()
                guard let after = last else {
                    last = horizon == .max ? 0 : max(0, horizon - 1)
                    continue
                }
                let (events, audiences) = try await store.read { [batch] tx in
                    let events = try tx.events(after: after, before: horizon, limit: batch)
                    var audiences: [Int64: [String]] = [:]
                    for event in events where event.identity == nil {
                        if let conversation = event.conversationSid {
                            audiences[event.seq] = try tx.chatIdentities(conversationSid: conversation, hearing: event.seq)
                        }
                    }
                    return (events, audiences)
                }
                for event in events {
                    if event.identity != nil { hub.publish([event]) } else { hub.publish(event, to: audiences[event.seq] ?? []) }
                }
                // Below the horizon every row is final: with a short page, nothing below it is left to read.
                last = events.count == batch ? events.last?.seq ?? after : max(after, horizon - 1)
                if events.count == batch { continue }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("reading the event log failed", metadata: ["error": "\(error)"])
            }
            await bell.wait(timeout: pollInterval)
        }
    }

    /// A typing signal from any node: to the conversation's other chat members connected here.
    private func deliver(signal text: String) async {
        guard let signal = try? JSONDecoder().decode(TypingSignal.self, from: Data(text.utf8)) else { return }
        do {
            let members = try await store.read { tx in try tx.chatIdentities(conversationSid: signal.conversationSid) }
            hub.publish(signal, to: members.filter { $0 != signal.identity })
        } catch {
            logger.warning("delivering a typing signal failed", metadata: ["error": "\(error)"])
        }
    }
}
