/// Twilio's push templates: the `${...}` variables a Service's template may use, and the default text of each kind
/// (Twilio's "Push Notification Configuration for Conversations" page).
enum PushTemplate {
    /// Twilio cuts the rendered text to this many characters.
    static let maximumLength = 178

    /// What the variables of one push stand for.
    struct Context {
        /// `${PARTICIPANT}` and its synonyms: the acting User's friendly name, else their identity (a non-chat
        /// author's address).
        var participant: String
        /// `${PARTICIPANT_SID}`: the acting participant's SID, else their identity.
        var participantSid: String
        var conversation: Conversation
        /// `${MESSAGE}`: the new message's body.
        var message: String? = nil
        /// `${MEDIA_COUNT}` and `${MEDIA}` (the first media's filename).
        var mediaCount: Int = 0
        var media: String? = nil
    }

    /// Twilio's default text of `kind` (`withMedia`: the New Media Message push).
    static func defaultText(_ kind: PushNotification.Kind, withMedia: Bool = false) -> String {
        switch kind {
        case .newMessage where withMedia: "You have a new message in ${CONVERSATION} with ${MEDIA_COUNT} media files: ${MEDIA}"
        case .newMessage: "${CONVERSATION}:${PARTICIPANT}: ${MESSAGE}"
        case .addedToConversation: "You have been added to the conversation ${CONVERSATION} by ${PARTICIPANT}"
        case .removedFromConversation: "${PARTICIPANT} has removed you from the conversation ${CONVERSATION}"
        }
    }

    /// `template` with its variables replaced, cut to `maximumLength` characters. An unknown `${NAME}` stays as written.
    static func render(_ template: String, _ context: Context) -> String {
        var output = ""
        var rest = Substring(template)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                rest = rest[start.lowerBound...]
                break
            }
            let name = rest[start.upperBound..<end]
            output += value(of: name, context) ?? String(rest[start.lowerBound...end])
            rest = rest[rest.index(after: end)...]
        }
        output += rest
        return String(output.prefix(maximumLength))
    }

    private static func value(of name: Substring, _ context: Context) -> String? {
        let conversation = context.conversation
        switch name {
        case "PARTICIPANT", "PARTICIPANT_FRIENDLY_NAME", "PARTICIPANT_IDENTITY": return context.participant
        case "PARTICIPANT_SID": return context.participantSid
        case "CONVERSATION", "CONVERSATION_UNIQUE_NAME": return conversation.uniqueName ?? conversation.friendlyName ?? conversation.sid
        case "CONVERSATION_FRIENDLY_NAME": return title(of: conversation)
        case "CONVERSATION_SID": return conversation.sid
        case "MESSAGE": return context.message ?? ""
        case "MEDIA_COUNT": return String(context.mediaCount)
        case "MEDIA": return context.media ?? ""
        default: return nil
        }
    }

    /// `${CONVERSATION_FRIENDLY_NAME}`, also the data key `conversation_title`: friendly name, unique name, SID.
    static func title(of conversation: Conversation) -> String {
        conversation.friendlyName ?? conversation.uniqueName ?? conversation.sid
    }
}
