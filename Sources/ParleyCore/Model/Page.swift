/// Where a page starts: after (or before) the item with this key, in the list's order.
public struct PageCursor: Sendable, Equatable {
    public enum Direction: Sendable, Equatable {
        /// The items that follow `key` in the list's order.
        case after
        /// The items that precede `key` in the list's order.
        case before
    }

    public var key: Int64
    public var direction: Direction

    public init(key: Int64, direction: Direction) {
        self.key = key
        self.direction = direction
    }
}

/// Which page of a list to read: a size and, after the first page, a cursor.
public struct PageRequest: Sendable, Equatable {
    public var size: Int
    public var cursor: PageCursor?

    public init(size: Int, cursor: PageCursor? = nil) {
        self.size = size
        self.cursor = cursor
    }
}

/// The order of a list by its key.
public enum SortOrder: String, Sendable {
    case ascending = "asc"
    case descending = "desc"
}

/// One page of a keyset-paged list, with the cursors of its neighbours (nil where there is none).
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var next: PageCursor?
    public var previous: PageCursor?

    public init(items: [Item], next: PageCursor?, previous: PageCursor?) {
        self.items = items
        self.next = next
        self.previous = previous
    }

    /// The same page with each item transformed.
    public func map<Other: Sendable>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
        Page<Other>(items: try items.map(transform), next: next, previous: previous)
    }
}
