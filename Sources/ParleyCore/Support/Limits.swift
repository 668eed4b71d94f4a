/// The sizes Parley accepts, modelled on Twilio's documented Conversations limits.
/// Documented in the README; a request beyond one gets a 400 naming the parameter.
public enum Limits {
    public static let friendlyName = 256
    public static let uniqueName = 256
    public static let identity = 256
    public static let address = 256
    public static let roleFriendlyName = 64
    public static let subject = 256
    /// Bytes of UTF-8 in a message body (Twilio's chat limit; SMS and WhatsApp deliveries cut at 1,600 characters).
    public static let messageBody = 32 * 1024
    /// Bytes of JSON in `Attributes`.
    public static let conversationAttributes = 16 * 1024
    public static let userAttributes = 16 * 1024
    public static let messageAttributes = 4 * 1024
    public static let participantAttributes = 4 * 1024
    public static let participantsPerConversation = 1000
    public static let nonChatParticipantsPerConversation = 50
    public static let participantsPerRequest = 10
    /// Timers: the shortest inactive and closed durations Twilio allows.
    public static let minimumInactiveTimerSeconds: Int64 = 60
    public static let minimumClosedTimerSeconds: Int64 = 600
}
