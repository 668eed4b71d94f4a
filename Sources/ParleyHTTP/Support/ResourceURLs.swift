/// The absolute URLs of resources, in the family of paths the request used: `/v1/Conversations/...`
/// for the default Service, `/v1/Services/{IS}/Conversations/...` when the request named one.
struct ResourceURLs: Sendable {
    let base: String
    /// The Service named in the request path, if any.
    let explicitService: String?

    /// `{base}/v1` or `{base}/v1/Services/{IS}`: where service-scoped collections live.
    var scopeRoot: String {
        explicitService.map { "\(base)/v1/Services/\($0)" } ?? "\(base)/v1"
    }

    func service(_ sid: String) -> String { "\(base)/v1/Services/\(sid)" }
    func conversation(_ sid: String) -> String { "\(scopeRoot)/Conversations/\(sid)" }
    func participant(_ sid: String, conversation conversationSid: String) -> String { "\(conversation(conversationSid))/Participants/\(sid)" }
    func message(_ sid: String, conversation conversationSid: String) -> String { "\(conversation(conversationSid))/Messages/\(sid)" }
    func user(_ sid: String) -> String { "\(scopeRoot)/Users/\(sid)" }
    func role(_ sid: String) -> String { "\(scopeRoot)/Roles/\(sid)" }
}
