import GRDB

extension StoreTransaction {
    /// One keyset page of rows: `SELECT * FROM table WHERE filter`, ordered by the integer column
    /// `key` in `order`, `request.size` rows from `request.cursor`. One indexed range scan, plus one
    /// `EXISTS` probe for the neighbour page behind the cursor; cost does not grow with depth.
    func page<Item>(
        table: String,
        filter: String,
        arguments: SQLArguments,
        key: String,
        order: SortOrder,
        request: PageRequest,
        decode: (Row) throws -> Item
    ) throws -> Page<Item> {
        let scanningForward = request.cursor?.direction != .before
        // Ascending scan in SQL terms when moving forward through an ascending list, or backward through a descending one.
        let sqlAscending = scanningForward == (order == .ascending)
        var where_ = filter
        var args = arguments
        if let cursor = request.cursor {
            where_ += " AND \(key) \(sqlAscending ? ">" : "<") ?"
            args += [cursor.key]
        }
        let sql = "SELECT *, \(key) AS page_key FROM \(table) WHERE \(where_) ORDER BY \(key) \(sqlAscending ? "ASC" : "DESC") LIMIT ?"
        args += [request.size + 1]
        var rows = try fetchAll(statement(sql), arguments: args) { row in (key: row["page_key"] as Int64, item: try decode(row)) }
        let hasMoreInScanDirection = rows.count > request.size
        if hasMoreInScanDirection { rows.removeLast() }
        if !scanningForward { rows.reverse() }

        let keys = rows.map(\.key)
        let items = rows.map(\.item)
        var next: PageCursor?
        var previous: PageCursor?
        if scanningForward {
            if hasMoreInScanDirection, let last = keys.last { next = PageCursor(key: last, direction: .after) }
            if let cursor = request.cursor {
                let boundary = keys.first ?? cursor.key + (order == .ascending ? 1 : -1)
                if try exists(table: table, filter: filter, arguments: arguments, key: key, beyond: boundary, ascending: order != .ascending) {
                    previous = PageCursor(key: boundary, direction: .before)
                }
            }
        } else {
            if hasMoreInScanDirection, let first = keys.first { previous = PageCursor(key: first, direction: .before) }
            if let cursor = request.cursor {
                let boundary = keys.last ?? cursor.key + (order == .ascending ? -1 : 1)
                if try exists(table: table, filter: filter, arguments: arguments, key: key, beyond: boundary, ascending: order == .ascending) {
                    next = PageCursor(key: boundary, direction: .after)
                }
            }
        }
        return Page(items: items, next: next, previous: previous)
    }

    /// Whether a row matching `filter` lies past `boundary` (greater when `ascending`, else smaller).
    private func exists(table: String, filter: String, arguments: SQLArguments, key: String, beyond boundary: Int64, ascending: Bool) throws
        -> Bool
    {
        let sql = "SELECT EXISTS (SELECT 1 FROM \(table) WHERE \(filter) AND \(key) \(ascending ? ">" : "<") ?)"
        return try value(Bool.self, statement(sql), arguments: arguments + [boundary]) ?? false
    }
}
