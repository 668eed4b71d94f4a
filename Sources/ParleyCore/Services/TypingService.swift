import Foundation

/// Typing indicators: ephemeral, never stored. A `typing` from a participant tells the other chat
/// participants `typingStarted`; `typingEnded` follows once no new `typing` arrived for `timeout`.
public actor TypingService {
    let store: Store
    let hub: EventHub
    /// How long after the last `typing` the participant counts as stopped.
    public let timeout: Duration

    private struct Key: Hashable {
        var conversationSid: String
        var identity: String
    }

    private struct Typing {
        var signal: TypingSignal
        var generation: Int
    }

    private var typing: [Key: Typing] = [:]
    private var generation = 0
    /// The latest signal broadcast to the other nodes (shared store), which the next one waits for.
    private var broadcasting: Task<Void, Never>?

    public init(store: Store, hub: EventHub, timeout: Duration = .seconds(5)) {
        self.store = store
        self.hub = hub
        self.timeout = timeout
    }

    /// The user is typing in the conversation (given by SID or unique name); a 404 if they are not in it.
    public func typing(_ user: ChatPrincipal, conversation: String) async throws {
        let (signal, recipients) = try await store.read { tx in
            guard let service = try tx.service(sid: user.serviceSid, accountSid: user.accountSid),
                let conversation = try tx.conversation(sidOrUniqueName: conversation, serviceSid: service.sid),
                let participant = try tx.participant(sidOrIdentity: user.identity, conversationSid: conversation.sid)
            else { throw ParleyError.notFound(resource: "/Conversations/\(conversation)") }
            let signal = TypingSignal(
                kind: .started, serviceSid: service.sid, conversationSid: conversation.sid, identity: user.identity, participantSid: participant.sid)
            return (signal, try tx.chatIdentities(conversationSid: conversation.sid).filter { $0 != user.identity })
        }
        let key = Key(conversationSid: signal.conversationSid, identity: user.identity)
        generation += 1
        let started = typing[key] == nil
        typing[key] = Typing(signal: signal, generation: generation)
        let current = generation
        Task { [timeout] in
            try? await Task.sleep(for: timeout)
            await self.expire(key, generation: current, recipients: recipients)
        }
        if started { deliver(signal, to: recipients) }
    }

    /// Hands `signal` to the hub; on a shared store, to every node's (`EventTail` finds the recipients there), one
    /// broadcast after the other, so a `typingEnded` never overtakes its `typingStarted`.
    private func deliver(_ signal: TypingSignal, to recipients: [String]) {
        guard store.isShared else { return hub.publish(signal, to: recipients) }
        guard let text = try? String(decoding: JSONEncoder().encode(signal), as: UTF8.self) else { return }
        let (previous, store) = (broadcasting, store)
        broadcasting = Task {
            await previous?.value
            try? await store.broadcast(signal: text)
        }
    }

    /// Ends the indicator if no newer `typing` arrived since `generation`.
    private func expire(_ key: Key, generation: Int, recipients: [String]) {
        guard let entry = typing[key], entry.generation == generation else { return }
        typing[key] = nil
        var ended = entry.signal
        ended.kind = .ended
        deliver(ended, to: recipients)
    }
}
