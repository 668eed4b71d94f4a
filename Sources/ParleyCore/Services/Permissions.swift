/// The permission names a Role may hold, by role type, and the roles every new Service starts with.
public enum Permissions {
    public static let conversation: Set<String> = [
        "sendMessage", "sendMediaMessage", "leaveConversation", "addParticipant", "addNonChatParticipant", "removeParticipant",
        "editNotificationLevel", "editOwnMessage", "editAnyMessage", "editOwnMessageAttributes", "editAnyMessageAttributes",
        "deleteOwnMessage", "deleteAnyMessage", "editConversationName", "editConversationAttributes", "editOwnParticipantAttributes",
        "editAnyParticipantAttributes", "deleteConversation",
    ]
    public static let service: Set<String> = [
        "createConversation", "joinConversation", "editOwnUserInfo", "editAnyUserInfo", "removeParticipant",
    ]

    public static func allowed(for type: RoleType) -> Set<String> {
        type == .conversation ? conversation : service
    }

    /// The default roles of a new Service, named as Twilio names them.
    static let defaults: [(name: String, type: RoleType, permissions: [String])] = [
        ("service admin", .service, ["createConversation", "joinConversation", "editOwnUserInfo", "editAnyUserInfo", "removeParticipant"]),
        ("service user", .service, ["createConversation", "joinConversation", "editOwnUserInfo"]),
        ("channel admin", .conversation, conversation.sorted()),
        ("channel user", .conversation, [
            "sendMessage", "sendMediaMessage", "leaveConversation", "addParticipant", "editNotificationLevel", "editOwnMessage",
            "editOwnMessageAttributes", "deleteOwnMessage", "editOwnParticipantAttributes",
        ]),
    ]
}
