import GRDB

/// Timestamps are stored as ISO 8601 text, so `sqlite3` shows and sorts them as written.
extension Timestamp: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Timestamp? {
        String.fromDatabaseValue(dbValue).flatMap(Timestamp.init(iso8601:))
    }
}
