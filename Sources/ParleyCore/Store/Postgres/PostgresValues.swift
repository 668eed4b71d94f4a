import Foundation
import GRDB
import NIOCore
import PostgresNIO

/// How values cross between the store's neutral form (`DatabaseValue`: NULL, integer, real, text, blob, as in SQLite)
/// and PostgreSQL's typed columns. Schema columns are BIGINT, INTEGER, DOUBLE PRECISION, TEXT and BYTEA, so the
/// mapping is one to one; booleans from expressions (`EXISTS`, comparisons) come back as 0 and 1, as in SQLite.
enum PostgresValues {
    static func binds(_ values: [DatabaseValue]) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value.storage {
            case .null: binds.appendNull()
            case .int64(let integer): binds.append(integer)
            case .double(let real): binds.append(real)
            case .string(let text): binds.append(text)
            case .blob(let data): binds.append(ByteBuffer(bytes: data))
            }
        }
        return binds
    }

    /// The value of one cell, in the neutral form.
    static func databaseValue(of cell: PostgresCell) throws -> DatabaseValue {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return try cell.decode(Int64.self).databaseValue
        case .bool: return try cell.decode(Bool.self) ? 1.databaseValue : 0.databaseValue
        case .float8, .float4: return try cell.decode(Double.self).databaseValue
        case .numeric:
            let number = try cell.decode(Decimal.self)
            if let integer = Int64(exactly: NSDecimalNumber(decimal: number).int64Value), Decimal(integer) == number { return integer.databaseValue }
            return NSDecimalNumber(decimal: number).doubleValue.databaseValue
        case .bytea: return Data(bytes.readBytes(length: bytes.readableBytes) ?? []).databaseValue
        case .jsonb where cell.format == .binary:
            bytes.moveReaderIndex(forwardBy: 1)  // the jsonb format's version byte
            return (bytes.readString(length: bytes.readableBytes) ?? "").databaseValue
        default:
            // text, varchar, name, json and the like: in either format the bytes are the text itself.
            return (bytes.readString(length: bytes.readableBytes) ?? "").databaseValue
        }
    }
}
