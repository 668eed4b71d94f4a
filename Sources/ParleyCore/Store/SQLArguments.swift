import GRDB

/// The values bound to one statement's `?` placeholders, in order: the same list serves both engines (SQLite binds it
/// as is, PostgreSQL converts each value, see `PostgresBinds`). Written as an array literal at the call site.
struct SQLArguments: ExpressibleByArrayLiteral {
    var values: [DatabaseValue]

    init(_ values: some Sequence<(any DatabaseValueConvertible)?>) {
        self.values = values.map { $0?.databaseValue ?? .null }
    }

    init(arrayLiteral elements: (any DatabaseValueConvertible)?...) {
        self.init(elements)
    }

    /// GRDB's form of the same list.
    var statementArguments: StatementArguments { StatementArguments(values) }

    static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        var sum = lhs
        sum.values += rhs.values
        return sum
    }

    static func += (lhs: inout SQLArguments, rhs: SQLArguments) {
        lhs.values += rhs.values
    }
}
