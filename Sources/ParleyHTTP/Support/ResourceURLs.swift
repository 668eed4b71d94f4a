/// The absolute URLs of resources, in the family of paths the request used: `/v1/Conversations/...`
/// for the default Service, `/v1/Services/{IS}/Conversations/...` when the request named one, and
/// `/client/v1/...` for a chat user (whose own User is `/client/v1/Me`, whose conversations are `/client/v1/Conversations`).
struct ResourceURLs: Sendable {
    let base: String
    /// The Service named in the request path (or, on the client API, the token's), if any.
    let explicitService: String?
    /// Whether the request came through the client API.
    var client: Bool = false

    /// `{base}/v1`, `{base}/v1/Services/{IS}` or `{base}/client/v1`: where service-scoped collections live.
    var scopeRoot: String {
        if client { return "\(base)/client/v1" }
        return explicitService.map { "\(base)/v1/Services/\($0)" } ?? "\(base)/v1"
    }

    func service(_ sid: String) -> String { "\(base)/v1/Services/\(sid)" }
    func conversation(_ sid: String) -> String { "\(scopeRoot)/Conversations/\(sid)" }
    func participant(_ sid: String, conversation conversationSid: String) -> String { "\(conversation(conversationSid))/Participants/\(sid)" }
    func message(_ sid: String, conversation conversationSid: String) -> String { "\(conversation(conversationSid))/Messages/\(sid)" }
    func user(_ sid: String) -> String { client ? "\(scopeRoot)/Me" : "\(scopeRoot)/Users/\(sid)" }
    func userConversations(_ userSid: String) -> String { client ? "\(scopeRoot)/Conversations" : "\(user(userSid))/Conversations" }
    func userConversation(_ conversationSid: String, user userSid: String) -> String { "\(userConversations(userSid))/\(conversationSid)" }
    func role(_ sid: String) -> String { "\(scopeRoot)/Roles/\(sid)" }
}
