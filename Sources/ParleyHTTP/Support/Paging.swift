import Hummingbird
import ParleyCore

/// The paging parameters of a list request (`PageSize`, `Page`, `PageToken`) and the `meta`
/// envelope of its answer, with absolute `next_page_url`/`previous_page_url` that carry the
/// list's filters, so twilio-python can follow them verbatim.
struct Paging: Sendable {
    var size: Int
    var page: Int
    var cursor: PageCursor?

    /// The largest PageSize accepted at all; between a list's maximum and this, the page is cut to the
    /// maximum (twilio-python's `list(limit=n)` sends `PageSize=n`), beyond it the request is refused.
    static let ceiling = 1000

    init(_ form: FormParameters, defaultSize: Int = 50, maximumSize: Int) throws {
        let requested = try form.int("PageSize") ?? Int64(defaultSize)
        guard requested >= 1, requested <= Self.ceiling else {
            throw ParleyError.invalidParameter(
                name: "PageSize", reason: "must be between 1 and \(Self.ceiling) (pages larger than \(maximumSize) are cut to \(maximumSize))")
        }
        size = min(Int(requested), maximumSize)
        let page = try form.int("Page") ?? 0
        guard page >= 0, page <= Int64(Int32.max) else { throw ParleyError.invalidParameter(name: "Page", reason: "must be 0 or more") }
        self.page = Int(page)
        cursor = try form.string("PageToken").map(Self.decodeToken)
    }

    var request: PageRequest { PageRequest(size: size, cursor: cursor) }

    /// `{ key: [items], meta: {...} }` for one page of a list at `path` (absolute, without query).
    func envelope<Item>(key: String, page: Page<Item>, path: String, filters: [(String, String)] = [], render: (Item) -> JSONValue) -> JSONValue {
        func url(page number: Int, cursor: PageCursor?) -> String {
            var query = filters.map { "\($0.0)=\(QueryEncoding.encode($0.1))" }
            query.append("PageSize=\(size)")
            query.append("Page=\(number)")
            if let cursor { query.append("PageToken=\(Self.encodeToken(cursor))") }
            return path + "?" + query.joined(separator: "&")
        }
        let meta: JSONValue = .object([
            ("page", .int(Int64(self.page))),
            ("page_size", .int(Int64(size))),
            ("first_page_url", .string(url(page: 0, cursor: nil))),
            ("previous_page_url", page.previous.map { .string(url(page: max(0, self.page - 1), cursor: $0)) } ?? .null),
            ("url", .string(url(page: self.page, cursor: cursor))),
            ("next_page_url", page.next.map { .string(url(page: self.page + 1, cursor: $0)) } ?? .null),
            ("key", .string(key)),
        ])
        return .object([(key, .array(page.items.map(render))), ("meta", meta)])
    }

    /// Tokens are `PA<key>` (after) or `PB<key>` (before), the key in hex; opaque to clients.
    static func encodeToken(_ cursor: PageCursor) -> String {
        (cursor.direction == .after ? "PA" : "PB") + String(cursor.key, radix: 16)
    }

    static func decodeToken(_ token: String) throws -> PageCursor {
        guard token.count > 2, token.count <= 20, let key = Int64(token.dropFirst(2), radix: 16) else {
            throw ParleyError.invalidParameter(name: "PageToken", reason: "is not a token this API issued")
        }
        switch token.prefix(2) {
        case "PA": return PageCursor(key: key, direction: .after)
        case "PB": return PageCursor(key: key, direction: .before)
        default: throw ParleyError.invalidParameter(name: "PageToken", reason: "is not a token this API issued")
        }
    }
}
