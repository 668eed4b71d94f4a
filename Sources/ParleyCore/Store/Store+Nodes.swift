/// What nodes sharing one database tell each other. On SQLite there is one node, and nothing is sent.
public enum NodeMessage: Sendable, Equatable {
    /// A committed write added events to the log: read it.
    case eventsWritten
    /// An ephemeral signal with no row behind it (typing), as JSON text.
    case signal(String)
    /// Listening (re)started: messages sent while nobody listened are lost, so catch up from the log.
    case listening

    var payload: String {
        switch self {
        case .eventsWritten: "e"
        case .signal(let text): "s" + text
        case .listening: ""
        }
    }

    init?(payload: String) {
        if payload == "e" {
            self = .eventsWritten
        } else if payload.hasPrefix("s") {
            self = .signal(String(payload.dropFirst()))
        } else {
            return nil
        }
    }
}

extension Store {
    /// Whether other nodes may write to this database (PostgreSQL): then changes go live through the event log, read
    /// by every node (`EventTail`), rather than straight from the writing request to this node's sockets.
    public var isShared: Bool {
        if case .postgres = backend { true } else { false }
    }

    /// Hears what the nodes sharing this database send (including this one), until cancelled; on SQLite returns at once.
    public func listen(_ heard: @escaping @Sendable (NodeMessage) async -> Void) async {
        guard case .postgres(let engine) = backend else { return }
        await PostgresListener(location: engine.location).run { payload in
            if let payload {
                if let message = NodeMessage(payload: payload) { await heard(message) }
            } else {
                await heard(.listening)
            }
        }
    }

    /// Sends `text` to every node listening (this one too), as `.signal`; nothing on SQLite. Fire and forget: an
    /// ephemeral signal is not worth a retry.
    public func broadcast(signal text: String) async throws {
        guard case .postgres = backend else { return }
        _ = try await write { tx in try tx.notifyNodes(NodeMessage.signal(text)) }
    }
}

extension StoreTransaction {
    /// Queues `message` for every listening node, sent when this transaction commits.
    func notifyNodes(_ message: NodeMessage) throws {
        guard case .postgres(let statements) = connection else { return }
        _ = try statements.run("SELECT pg_notify(?, ?)", [PostgresListener.channel, message.payload])
    }
}
