import Foundation
import ParleyCore

/// Answers the SDK's Sync reads (`GET /v3/{Maps|Lists|Documents}/{name}` and `…/Items`) by computing each object from
/// Parley's tables through `ClientService`, so what a user may read is what `/client/v1` lets them read: an object of a
/// conversation they are not in is a 404, like one that does not exist.
///
/// Every answer carries, as `last_event_id`, the newest event sequence number read *before* the data: whatever the
/// data shows includes at least the events up to it, so a subscription resuming from it misses nothing (a replayed
/// event the data already shows is applied again, harmlessly).
struct SyncReader: Sendable {
    let parley: Parley
    let user: ChatPrincipal
    /// `{public base}`: object URLs are `{base}/v3/{Collection}/{name}`.
    let base: String

    static let maximumPageSize = 100

    func url(_ object: SyncObject) -> String {
        "\(base)/v3/\(object.kind.collection)/\(PercentEncoding.encode(object.name))"
    }

    func itemURL(_ object: SyncObject, key: String) -> String {
        "\(url(object))/Items/\(PercentEncoding.encode(key))"
    }

    /// The object's descriptor (and a document's data), with its `last_event_id`.
    func descriptor(_ object: SyncObject) async throws -> (body: JSONValue, lastEventId: Int64) {
        let seq = try await parley.eventLog.latestSeq()
        var data: JSONValue?
        var updated = Timestamp.now
        switch object {
        case .myConversations(let userSid):
            try requireOwn(userSid, object)
        case .userInfo(let identity):
            updated = try await parley.client.visibleUser(user, identity).dateUpdated
        case .conversation(let sid):
            let conversation = try await parley.client.conversation(user, sid).conversation
            data = SyncData.conversationDocument(conversation)
            updated = conversation.dateUpdated
        case .messages(let sid), .roster(let sid):
            updated = try await parley.client.conversation(user, sid).conversation.dateUpdated
        }
        let url = url(object)
        var fields: [(String, JSONValue)] = [
            ("sid", .string(object.name)), ("unique_name", .string(object.name)), ("url", .string(url)), ("revision", .string(String(seq))),
            ("last_event_id", .int(seq)), ("date_updated", JSONValue(updated)), ("date_expires", .null),
            ("links", .object([("items", .string("\(url)/Items")), ("context", .string("\(url)/Context"))])),
        ]
        if let data { fields.append(("data", data)) }
        return (.object(fields), seq)
    }

    /// A page of a map's or list's items.
    func items(_ object: SyncObject, params: [String: String]) async throws -> JSONValue {
        let seq = try await parley.eventLog.latestSeq()
        let page = try await itemPage(object, query: ItemQuery(params: params))
        let items: [JSONValue] = page.items.map { item in
            var fields: [(String, JSONValue)] = [
                ("data", item.data), ("revision", .string(String(seq))), ("last_event_id", .int(seq)), ("date_updated", JSONValue(item.updated)),
                ("date_expires", .null), ("url", .string(itemURL(object, key: item.key))),
            ]
            if object.kind == .list {
                fields += [("index", .int(Int64(item.key) ?? 0)), ("list_sid", .string(object.name))]
            } else {
                fields += [("key", .string(item.key)), ("map_sid", .string(object.name))]
            }
            return .object(fields)
        }
        return .object([
            ("items", .array(items)),
            ("meta", .object([("previous_token", JSONValue(page.previous)), ("next_token", JSONValue(page.next))])),
        ])
    }

    /// One page of a map's or list's items: key (a list's index as text), data, when it changed; and the page tokens.
    typealias ItemPage = (items: [(key: String, data: JSONValue, updated: Timestamp)], next: String?, previous: String?)

    func itemPage(_ object: SyncObject, query: ItemQuery) async throws -> ItemPage {
        let page: ItemPage
        switch object {
        case .myConversations(let userSid):
            try requireOwn(userSid, object)
            if let key = query.key {
                let membership = try? await parley.client.conversation(user, key)
                page = (membership.map { [Self.entry($0)] } ?? [], nil, nil)
            } else {
                let found = try await parley.client.conversations(user, page: query.request)
                page = (found.items.map(Self.entry), query.token(found.next), query.token(found.previous))
            }
        case .userInfo(let identity):
            let info = try await parley.client.visibleUser(user, identity)
            let all = SyncData.userInfo(info).map { (key: $0.key, data: $0.data, updated: info.dateUpdated) }
            page = (all.filter { query.key == nil || $0.key == query.key }, nil, nil)
        case .roster(let sid):
            if let key = query.key {
                let participant = try? await parley.client.participant(user, conversation: sid, sidOrIdentity: key)
                if participant == nil { _ = try await parley.client.conversation(user, sid) }
                page = (participant.map { [($0.sid, SyncData.participant($0), $0.dateUpdated)] } ?? [], nil, nil)
            } else {
                let found = try await parley.client.participants(user, conversation: sid, page: query.request)
                page = (found.items.map { ($0.sid, SyncData.participant($0), $0.dateUpdated) }, query.token(found.next), query.token(found.previous))
            }
        case .messages(let sid):
            let found = try await parley.client.messages(user, conversation: sid, order: query.order, page: query.request)
            var items = found.items
            if let index = query.index { items = items.filter { $0.index == index } }
            page = (
                items.map { (String($0.index), SyncData.message($0), $0.dateUpdated ?? $0.dateCreated) },
                query.index == nil ? query.token(found.next) : nil, query.index == nil ? query.token(found.previous) : nil
            )
        case .conversation:
            throw ParleyError.notFound(resource: "/v3/Documents/\(object.name)/Items")
        }
        return page
    }

    private static func entry(_ membership: ConversationMembership) -> (key: String, data: JSONValue, updated: Timestamp) {
        (
            membership.conversation.sid,
            SyncData.conversationEntry(membership.conversation, conversationSid: membership.conversation.sid, participant: membership.participant),
            membership.participant.dateUpdated
        )
    }

    /// A user's conversations map is theirs alone.
    private func requireOwn(_ userSid: String, _ object: SyncObject) throws {
        guard userSid == user.userSid else { throw ParleyError.notFound(resource: "/v3/Maps/\(object.name)") }
    }
}

/// The paging parameters of an items read: `From` (an index or key, inclusive), `PageSize`, `Order` (`asc`/`desc`),
/// `Index` or `Key` (one item), or a `PageToken` from an earlier page (which carries all of them).
struct ItemQuery: Sendable {
    var order: ParleyCore.SortOrder
    var size: Int
    var cursor: PageCursor?
    var index: Int64?
    var key: String?

    init(params: [String: String]) throws {
        if let token = params["PageToken"] {
            // order.size.direction.key
            let parts = token.split(separator: ".").map(String.init)
            guard parts.count == 4, let order = ParleyCore.SortOrder(rawValue: parts[0]), let size = Int(parts[1]), (1...SyncReader.maximumPageSize).contains(size),
                let key = Int64(parts[3]), parts[2] == "a" || parts[2] == "b"
            else { throw ParleyError.invalidParameter(name: "PageToken", reason: "is not a token from an earlier page") }
            self.order = order
            self.size = size
            cursor = PageCursor(key: key, direction: parts[2] == "a" ? .after : .before)
            return
        }
        switch params["Order"] {
        case nil, "asc": order = .ascending
        case "desc": order = .descending
        case let other?: throw ParleyError.invalidParameter(name: "Order", reason: "must be asc or desc, not \(other.prefix(32))")
        }
        if let text = params["PageSize"] {
            guard let size = Int(text), size >= 1 else { throw ParleyError.invalidParameter(name: "PageSize", reason: "must be a positive integer") }
            self.size = min(size, SyncReader.maximumPageSize)
        } else {
            size = 50
        }
        key = params["Key"]
        if let text = params["Index"] {
            guard let index = Int64(text), index >= 0 else { throw ParleyError.invalidParameter(name: "Index", reason: "must be a message index") }
            self.index = index
            order = .ascending
            size = 1
            cursor = PageCursor(key: index - 1, direction: .after)
        } else if let text = params["From"], let from = Int64(text) {
            // Inclusive: start after the index just before it in the list's order. (A map's key `From` is not used.)
            cursor = PageCursor(key: order == .ascending ? from - 1 : from + 1, direction: .after)
        }
    }

    var request: PageRequest { PageRequest(size: size, cursor: cursor) }

    func token(_ cursor: PageCursor?) -> String? {
        cursor.map { "\(order.rawValue).\(size).\($0.direction == .after ? "a" : "b").\($0.key)" }
    }
}
