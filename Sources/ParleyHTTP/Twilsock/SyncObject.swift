import ParleyCore

/// The Sync objects the SDK reads, each a projection of Parley's tables named after what it projects. The name is both
/// the object's SID and its unique name (the SDK accepts any string as either), so a name alone says what to compute.
enum SyncObject: Hashable, Sendable {
    /// A user's conversations: a map keyed by conversation SID (`US….my_conversations`).
    case myConversations(userSid: String)
    /// A user's public info: a map with `friendlyName` and `attributes` (`{identity}.info`: rosters name it by identity).
    case userInfo(identity: String)
    /// A conversation's properties: a document (`CH….channel`).
    case conversation(String)
    /// A conversation's messages: a list, item index = message index (`CH….messages`).
    case messages(String)
    /// A conversation's participants: a map keyed by participant SID (`CH….roster`).
    case roster(String)

    enum Kind: String, Sendable {
        case map, list, document

        /// The path segment of the object's collection (`/v3/Maps`).
        var collection: String {
            switch self {
            case .map: "Maps"
            case .list: "Lists"
            case .document: "Documents"
            }
        }

        /// The `message_type` of its change notifications.
        var notificationType: String { "com.twilio.rtd.cds.\(rawValue)" }

        init?(collection: String) {
            switch collection {
            case "Maps": self = .map
            case "Lists": self = .list
            case "Documents": self = .document
            default: return nil
            }
        }
    }

    /// Reads a name; nil for anything Parley does not project.
    init?(name: String) {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let owner = String(name[..<dot])
        let suffix = name[name.index(after: dot)...]
        let isUser = SID.isValid(owner, .user)
        let isConversation = SID.isValid(owner, .conversation)
        switch suffix {
        case "my_conversations" where isUser: self = .myConversations(userSid: owner)
        case "info" where !owner.isEmpty: self = .userInfo(identity: owner)
        case "channel" where isConversation: self = .conversation(owner)
        case "messages" where isConversation: self = .messages(owner)
        case "roster" where isConversation: self = .roster(owner)
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .myConversations(let user): "\(user).my_conversations"
        case .userInfo(let identity): "\(identity).info"
        case .conversation(let sid): "\(sid).channel"
        case .messages(let sid): "\(sid).messages"
        case .roster(let sid): "\(sid).roster"
        }
    }

    var kind: Kind {
        switch self {
        case .myConversations, .userInfo, .roster: .map
        case .messages: .list
        case .conversation: .document
        }
    }

    /// The conversation it belongs to, if any.
    var conversationSid: String? {
        switch self {
        case .conversation(let sid), .messages(let sid), .roster(let sid): sid
        case .myConversations, .userInfo: nil
        }
    }
}
