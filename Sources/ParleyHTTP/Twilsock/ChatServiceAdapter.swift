import Foundation
import ParleyCore

/// The chat service Twilio's Conversations SDK calls through the tunnel (`active_grant: ip_messaging`), on Parley's
/// `ClientService`: the same authorization as `/client/v1` (a conversation the user is not in is a 404). Paths live
/// under `/Client/v2/`; the SDK starts at `/Client/v2/Configuration` and follows the absolute links it is given.
struct ChatServiceAdapter: Sendable {
    let parley: Parley
    let user: ChatPrincipal
    /// `{public base}`: links are `{base}/Client/v2/...`.
    let base: String

    var root: String { "\(base)/Client/v2" }

    /// Answers one request whose path starts with `Client/v2`; nil for a path it does not serve.
    func handle(_ request: TunnelledRequest) async throws -> TunnelledResponse? {
        let path = Array(request.segments.dropFirst(2))
        switch (request.method, path.count, path.first) {
        case ("GET", 1, "Configuration"):
            return .ok(configuration())
        case ("POST", 1, "typing"):
            guard let conversation = try request.fields().string("ChannelSid") else {
                throw ParleyError.invalidParameter(name: "ChannelSid", reason: "is required")
            }
            try await parley.typing.typing(user, conversation: conversation)
            return .ok(.object([("typing_timeout", .int(Int64(await parley.typing.timeout.components.seconds)))]))
        case (_, _, "Users"):
            return try await users(request, Array(path.dropFirst()))
        case (_, _, "Conversations"):
            return try await conversations(request, Array(path.dropFirst()))
        default:
            return nil
        }
    }

    private func configuration() -> JSONValue {
        let limits = parley.media.limits
        let megabytes = { (bytes: Int64) in JSONValue.int(max(1, bytes / 1_048_576)) }
        let mediaRoot = "\(base)/v1/Services/\(user.serviceSid)"
        return .object([
            ("identity", .string(user.identity)),
            ("sync_objects", .object([
                ("my_conversations", .string(SyncObject.myConversations(userSid: user.userSid).name)),
                ("my_user_info", .string(SyncObject.userInfo(identity: user.identity).name)),
            ])),
            ("options", .object([
                ("reachability_enabled", false), ("consumption_report_interval", "PT1S"), ("http_cache_interval", "PT0S"),
                ("user_infos_to_subscribe", 100), ("media_attachments_count_limit", .int(Int64(limits.maxItemsPerMessage))),
                ("media_attachment_size_limit_in_mb", megabytes(limits.maxItemBytes)),
                ("media_attachments_total_size_limit_in_mb", megabytes(limits.maxMessageBytes)),
                ("email_histories_allowed_mime_types", .array([])), ("email_bodies_allowed_mime_types", .array([])),
            ])),
            ("links", .object([
                ("my_conversations", .string(myConversationsURL)),
                ("conversations", .string("\(root)/Conversations")),
                ("users", .string("\(root)/Users")),
                ("current_user", .string("\(root)/Users/\(PercentEncoding.encode(user.identity))")),
                ("typing", .string("\(root)/typing")),
                ("media_service", .string("\(mediaRoot)/Media")),
                ("media_set_service", .string("\(mediaRoot)/MediaSet")),
                ("messages_receipts", .string("\(root)/Conversations/%s/Messages/%s/Receipts")),
            ])),
        ])
    }

    private var myConversationsURL: String { "\(root)/Users/\(PercentEncoding.encode(user.identity))/Conversations" }

    // MARK: - Users and the user's conversations

    private func users(_ request: TunnelledRequest, _ path: [String]) async throws -> TunnelledResponse? {
        guard let identity = path.first else { return nil }
        let own = identity == user.identity
        switch (request.method, path.count) {
        case ("GET", 1):
            return .ok(userResource(try await parley.client.visibleUser(user, identity)))
        case ("POST", 1):
            guard own else { throw ParleyError.permissionDenied(permission: "editAnyUserInfo") }
            let fields = try request.fields()
            let changes = ClientService.UserChanges(friendlyName: try fields.string("friendly_name"), attributes: try fields.string("attributes"))
            return .ok(userResource(try await parley.client.updateMe(user, changes)))
        case ("GET", 2) where path[1] == "Conversations" && own:
            let query = try ItemQuery(params: request.params.filter { $0.key == "PageToken" || $0.key == "PageSize" })
            let page = try await parley.client.conversations(user, page: query.request)
            return .ok(.object([
                ("conversations", .array(page.items.map(membershipResource))),
                ("meta", .object([("next_token", JSONValue(query.token(page.next)))])),
            ]))
        case ("GET", 3) where path[1] == "Conversations" && own:
            return .ok(membershipResource(try await parley.client.conversation(user, path[2])))
        case ("POST", 3) where path[1] == "Conversations" && own:
            let fields = try request.fields()
            var changes = MembershipService.Changes()
            if let level = try fields.string("notification_level") {
                guard let parsed = NotificationLevel(rawValue: level) else {
                    throw ParleyError.invalidParameter(name: "notification_level", reason: "must be default or muted")
                }
                changes.notificationLevel = parsed
            }
            changes.lastReadMessageIndex = try fields.integer("last_read_message_index")
            // A null index is `setAllMessagesUnread`; an absent one leaves the horizon alone.
            changes.clearsReadHorizon = fields["last_read_message_index"] is NSNull
            if fields["last_read_message_index"] != nil { changes.lastReadTimestamp = Timestamp.now.description }
            return .ok(membershipResource(try await parley.client.updateConversation(user, path[2], changes)))
        case (_, 2...3) where path[1] == "Conversations":
            throw ParleyError.notFound(resource: "/Users/\(identity)/Conversations")
        default:
            return nil
        }
    }

    private func userResource(_ found: User) -> JSONValue {
        .object([
            ("identity", .string(found.identity)), ("friendly_name", JSONValue(found.friendlyName)), ("attributes", .string(found.attributes)),
            ("sync_objects", .object([("user_info_map", .string(SyncObject.userInfo(identity: found.identity).name))])),
            ("url", .string("\(root)/Users/\(PercentEncoding.encode(found.identity))")),
        ])
    }

    private func membershipResource(_ membership: ConversationMembership) -> JSONValue {
        let conversation = membership.conversation
        return .object([
            ("conversation_sid", .string(conversation.sid)), ("status", "joined"),
            ("last_read_message_index", JSONValue(membership.participant.lastReadMessageIndex)),
            ("unread_messages_count", JSONValue(membership.unreadMessagesCount)),
            ("notification_level", .string(membership.participant.notificationLevel.rawValue)),
            ("friendly_name", JSONValue(conversation.friendlyName)), ("unique_name", JSONValue(conversation.uniqueName)),
            ("attributes", .string(conversation.attributes)), ("created_by", JSONValue(conversation.createdBy)),
            ("date_created", JSONValue(conversation.dateCreated)), ("date_updated", JSONValue(conversation.dateUpdated)),
            ("sync_objects", syncObjects(conversation.sid)),
            ("url", .string("\(myConversationsURL)/\(conversation.sid)")),
        ])
    }

    private func syncObjects(_ sid: String) -> JSONValue {
        .object([
            ("conversation", .string(SyncObject.conversation(sid).name)), ("messages", .string(SyncObject.messages(sid).name)),
            ("participants", .string(SyncObject.roster(sid).name)),
        ])
    }

    // MARK: - Conversations, messages, participants

    private func conversations(_ request: TunnelledRequest, _ path: [String]) async throws -> TunnelledResponse? {
        switch (request.method, path.count) {
        case ("POST", 0):
            let fields = try request.fields()
            let input = ClientService.NewConversation(
                friendlyName: try fields.string("friendly_name"), uniqueName: try fields.string("unique_name"), attributes: try fields.string("attributes"))
            let membership = try await parley.client.createConversation(user, input)
            return TunnelledResponse(status: 201, body: conversationResource(membership.conversation))
        case ("GET", 1):
            let (membership, participants) = try await parley.client.conversationWithParticipantCount(user, path[0])
            return .ok(conversationResource(membership.conversation, participantsCount: participants))
        case ("POST", 1):
            let fields = try request.fields()
            let edit = ClientService.ConversationEdit(
                friendlyName: try fields.string("friendly_name"), uniqueName: try fields.string("unique_name"), attributes: try fields.string("attributes"))
            return .ok(conversationResource(try await parley.client.editConversation(user, path[0], edit)))
        case ("DELETE", 1):
            try await parley.client.deleteConversation(user, path[0])
            return TunnelledResponse(status: 204, body: .object([]))
        case (_, _) where path.count >= 2 && path[1] == "Messages":
            return try await messages(request, conversation: path[0], Array(path.dropFirst(2)))
        case (_, _) where path.count >= 2 && path[1] == "Participants":
            return try await participants(request, conversation: path[0], Array(path.dropFirst(2)))
        default:
            return nil
        }
    }

    /// A conversation as the chat service answers it; `participantsCount` on a fetch (the SDK's `getParticipantsCount`).
    private func conversationResource(_ conversation: Conversation, participantsCount: Int? = nil) -> JSONValue {
        let url = "\(root)/Conversations/\(conversation.sid)"
        var fields: [(String, JSONValue)] = [
            ("sid", .string(conversation.sid)), ("account_sid", .string(user.accountSid)), ("chat_service_sid", .string(conversation.serviceSid)),
            ("friendly_name", JSONValue(conversation.friendlyName)), ("unique_name", JSONValue(conversation.uniqueName)),
            ("attributes", .string(conversation.attributes)), ("created_by", JSONValue(conversation.createdBy)),
            ("date_created", JSONValue(conversation.dateCreated)), ("date_updated", JSONValue(conversation.dateUpdated)),
            ("messages_count", .int(conversation.nextMessageIndex)), ("state", .string(conversation.state.rawValue)),
            ("sync_objects", syncObjects(conversation.sid)), ("url", .string(url)),
            ("links", .object([("participants", .string("\(url)/Participants")), ("messages", .string("\(url)/Messages"))])),
        ]
        if let participantsCount { fields.append(("participants_count", .int(Int64(participantsCount)))) }
        return .object(fields)
    }

    private func messages(_ request: TunnelledRequest, conversation: String, _ path: [String]) async throws -> TunnelledResponse? {
        switch (request.method, path.count) {
        case ("POST", 0):
            let fields = try request.fields()
            var mediaSids: [String] = []
            if let sids = fields["media_sids"] {
                guard let list = sids as? [Any], let strings = list as? [String] else {
                    throw ParleyError.invalidParameter(name: "media_sids", reason: "must be an array of media SIDs")
                }
                mediaSids = strings
            }
            let input = ClientService.NewMessage(body: try fields.string("body"), attributes: try fields.string("attributes"), mediaSids: mediaSids)
            return .ok(messageResource(try await parley.client.sendMessage(user, conversation: conversation, input)))
        case ("GET", 1):
            return .ok(messageResource(try await parley.client.message(user, conversation: conversation, sid: path[0])))
        case ("POST", 1):
            let fields = try request.fields()
            let edit = ClientService.MessageEdit(body: try fields.string("body"), attributes: try fields.string("attributes"))
            return .ok(messageResource(try await parley.client.editMessage(user, conversation: conversation, sid: path[0], edit)))
        case ("DELETE", 1):
            try await parley.client.deleteMessage(user, conversation: conversation, sid: path[0])
            return TunnelledResponse(status: 204, body: .object([]))
        default:
            return nil
        }
    }

    private func messageResource(_ message: Message) -> JSONValue {
        .object([
            ("sid", .string(message.sid)), ("conversation_sid", .string(message.conversationSid)), ("index", .int(message.index)),
            ("author", .string(message.author)), ("body", JSONValue(message.body)), ("attributes", .string(message.attributes)),
            ("date_created", JSONValue(message.dateCreated)), ("date_updated", JSONValue(message.dateUpdated ?? message.dateCreated)),
            ("url", .string("\(root)/Conversations/\(message.conversationSid)/Messages/\(message.sid)")),
        ])
    }

    private func participants(_ request: TunnelledRequest, conversation: String, _ path: [String]) async throws -> TunnelledResponse? {
        switch (request.method, path.count) {
        case ("POST", 0):
            let fields = try request.fields()
            let binding = fields["messaging_binding"] as? [String: Any]
            let identity = try fields.string("identity")
            // The SDK's `join()` adds the user themself: joining needs no membership, only `joinConversation`.
            if identity == user.identity, binding == nil {
                return TunnelledResponse(status: 201, body: participantResource(try await parley.client.joinConversation(user, conversation)))
            }
            let input = ClientService.NewParticipant(
                identity: identity, address: try binding?.string("address"), proxyAddress: try binding?.string("proxy_address"),
                attributes: try fields.string("attributes"))
            return TunnelledResponse(status: 201, body: participantResource(try await parley.client.addParticipant(user, conversation: conversation, input)))
        case ("GET", 1):
            return .ok(participantResource(try await parley.client.participant(user, conversation: conversation, sidOrIdentity: path[0])))
        case ("POST", 1):
            guard let attributes = try request.fields().string("attributes") else {
                throw ParleyError.invalidParameter(name: "attributes", reason: "is required")
            }
            return .ok(
                participantResource(
                    try await parley.client.editParticipantAttributes(user, conversation: conversation, sidOrIdentity: path[0], attributes: attributes)))
        case ("DELETE", 1):
            try await parley.client.removeParticipant(user, conversation: conversation, sidOrIdentity: path[0])
            return TunnelledResponse(status: 204, body: .object([]))
        default:
            return nil
        }
    }

    private func participantResource(_ participant: Participant) -> JSONValue {
        .object([
            ("sid", .string(participant.sid)), ("conversation_sid", .string(participant.conversationSid)), ("identity", JSONValue(participant.identity)),
            ("attributes", .string(participant.attributes)), ("role_sid", JSONValue(participant.roleSid)),
            ("date_created", JSONValue(participant.dateCreated)), ("date_updated", JSONValue(participant.dateUpdated)),
            ("messaging_binding", participant.binding == nil ? .null : .object([("type", .string(participant.channel.rawValue))])),
            ("url", .string("\(root)/Conversations/\(participant.conversationSid)/Participants/\(participant.sid)")),
        ])
    }
}
