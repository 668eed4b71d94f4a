import ParleyCore

/// One Sync change notification: the object it changes, its `event_type` and the event (`id` = the durable event's
/// sequence number, so ids increase and a replay from a `last_event_id` is a read of the event log).
struct SyncEvent: Sendable {
    var object: SyncObject
    var type: String
    var event: JSONValue
    var id: Int64

    /// The notification frame's `message_type` and payload.
    var notification: (messageType: String, payload: JSONValue) {
        (object.kind.notificationType, .object([("event_type", .string(type)), ("event", event)]))
    }
}

/// Projects Parley's durable chat events onto the Sync objects one user sees: a message event changes the
/// conversation's messages list, a participant event its roster (and, for the user's own participant, their
/// conversations map), a conversation event its document and the user's conversations map, a user event that
/// user's info map.
struct SyncEventProjector: Sendable {
    let user: ChatPrincipal
    let reader: SyncReader

    func events(for event: ChatEvent) -> [SyncEvent] {
        let seq = event.seq
        switch event.resource {
        case .message(let message):
            let list = SyncObject.messages(message.conversationSid)
            let type = event.type == .messageAdded ? "list_item_added" : event.type == .messageRemoved ? "list_item_removed" : "list_item_updated"
            return [listEvent(list, type, index: message.index, data: SyncData.message(message), event: event)]
        case .participant(let participant):
            let roster = SyncObject.roster(participant.conversationSid)
            let type = event.type == .participantJoined ? "map_item_added" : event.type == .participantLeft ? "map_item_removed" : "map_item_updated"
            var events = [mapEvent(roster, type, key: participant.sid, data: SyncData.participant(participant), event: event)]
            if event.type == .participantUpdated, participant.identity == user.identity {
                let entry = SyncData.conversationEntry(nil, conversationSid: participant.conversationSid, participant: participant)
                events.append(mapEvent(.myConversations(userSid: user.userSid), "map_item_updated", key: participant.conversationSid, data: entry, event: event))
            }
            return events
        case .conversation(let conversation):
            let mine = SyncObject.myConversations(userSid: user.userSid)
            switch event.type {
            case .conversationAdded:
                let entry = SyncData.conversationEntry(conversation, conversationSid: conversation.sid, participant: nil)
                return [mapEvent(mine, "map_item_added", key: conversation.sid, data: entry, event: event)]
            case .conversationRemoved:
                let entry = SyncData.conversationEntry(conversation, conversationSid: conversation.sid, participant: nil)
                return [mapEvent(mine, "map_item_removed", key: conversation.sid, data: entry, event: event)]
            default:
                let document = SyncObject.conversation(conversation.sid)
                let entry = SyncData.conversationEntry(conversation, conversationSid: conversation.sid, participant: nil)
                return [
                    SyncEvent(
                        object: document, type: "document_updated",
                        event: .object([
                            ("id", .int(seq)), ("document_sid", .string(document.name)), ("document_data", SyncData.conversationDocument(conversation)),
                            ("document_revision", .string(String(seq))), ("date_created", JSONValue(event.dateCreated)),
                        ]), id: seq),
                    mapEvent(mine, "map_item_updated", key: conversation.sid, data: entry, event: event),
                ]
            }
        case .user(let changed):
            let info = SyncObject.userInfo(identity: changed.identity)
            return SyncData.userInfo(changed).map { mapEvent(info, "map_item_updated", key: $0.key, data: $0.data, event: event) }
        }
    }

    private func listEvent(_ list: SyncObject, _ type: String, index: Int64, data: JSONValue, event: ChatEvent) -> SyncEvent {
        itemEvent(list, type, key: String(index), data: data, id: event.seq, at: event.dateCreated)
    }

    private func mapEvent(_ map: SyncObject, _ type: String, key: String, data: JSONValue, event: ChatEvent) -> SyncEvent {
        itemEvent(map, type, key: key, data: data, id: event.seq, at: event.dateCreated)
    }

    private func itemEvent(_ object: SyncObject, _ type: String, key: String, data: JSONValue, id: Int64, at time: Timestamp) -> SyncEvent {
        let prefix = object.kind == .list ? "list" : "map"
        let itemKey: (String, JSONValue) = object.kind == .list ? ("item_index", .int(Int64(key) ?? 0)) : ("item_key", .string(key))
        return SyncEvent(
            object: object, type: type,
            event: .object([
                ("id", .int(id)), ("\(prefix)_sid", .string(object.name)), itemKey, ("item_data", data), ("item_revision", .string(String(id))),
                ("item_url", .string(reader.itemURL(object, key: key))), ("date_created", JSONValue(time)), ("\(prefix)_revision", .string(String(id))),
            ]), id: id)
    }

    /// The object as it is now, as events with id `seq`: for a client whose missed events were pruned from the log. A
    /// document is one `document_updated`; a map's items (all pages) are `map_item_updated`; a list's newest
    /// `SyncReader.maximumPageSize` items are `list_item_added` (an item the client has is updated in place). Items
    /// removed meanwhile cannot be told this way: the client learns of them on its next read.
    func currentState(of object: SyncObject, seq: Int64) async throws -> [SyncEvent] {
        let now = Timestamp.now
        switch object.kind {
        case .document:
            guard case .conversation(let sid) = object else { return [] }
            let conversation = try await reader.parley.client.conversation(user, sid).conversation
            return [
                SyncEvent(
                    object: object, type: "document_updated",
                    event: .object([
                        ("id", .int(seq)), ("document_sid", .string(object.name)), ("document_data", SyncData.conversationDocument(conversation)),
                        ("document_revision", .string(String(seq))), ("date_created", JSONValue(now)),
                    ]), id: seq)
            ]
        case .list:
            let page = try await reader.itemPage(object, query: ItemQuery(params: ["Order": "desc", "PageSize": String(SyncReader.maximumPageSize)]))
            return page.items.reversed().map { itemEvent(object, "list_item_added", key: $0.key, data: $0.data, id: seq, at: now) }
        case .map:
            var events: [SyncEvent] = []
            var query = try ItemQuery(params: ["PageSize": String(SyncReader.maximumPageSize)])
            while true {
                let page = try await reader.itemPage(object, query: query)
                events += page.items.map { itemEvent(object, "map_item_updated", key: $0.key, data: $0.data, id: seq, at: now) }
                guard let next = page.next else { return events }
                query = try ItemQuery(params: ["PageToken": next])
            }
        }
    }
}
