import Foundation
import GRDB
import NIOCore
import PostgresNIO

/// `parley copy`: every row of every table of a SQLite deployment into an empty, migrated PostgreSQL database.
///
/// The source is read from one snapshot (a WAL read transaction), so a running server's writes during the copy are
/// simply not part of it. The target is written in one transaction: tables in foreign-key order, rows in batches of
/// multi-row INSERTs, user triggers off (the copied rows already hold what SQLite's triggers computed, e.g.
/// `messages.delivery`), identity sequences moved past the copied values. Before COMMIT the row count of every table
/// and a sample of rows are compared with the source; any difference rolls everything back.
public struct SQLiteToPostgresCopy: Sendable {
    /// Why the copy was refused or rolled back; nothing was written to the target.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// What was copied.
    public struct Report: Sendable {
        /// Each table and its row count, in the order copied.
        public var tables: [(name: String, rows: Int)]
        /// Rows compared column by column after the copy.
        public var sampledRows: Int
        /// The migration both databases are at.
        public var schemaVersion: String
    }

    /// Tables the migrations themselves fill (a fixed row): emptied before the copy and ignored by the emptiness check.
    static let seededTables: Set<String> = ["user_events_pruned"]

    public var batchSize: Int
    /// Rows sampled per table (first, last and evenly spread between).
    public var samplesPerTable: Int

    public init(batchSize: Int = 500, samplesPerTable: Int = 5) {
        self.batchSize = batchSize
        self.samplesPerTable = samplesPerTable
    }

    /// Copies `sqlitePath` into the database of `session`; `progress` hears a line per table.
    public func run(from sqlitePath: String, to session: PostgresSession, progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        guard FileManager.default.fileExists(atPath: sqlitePath) else { throw Refusal(description: "no SQLite database at \(sqlitePath)") }
        let snapshot = try openSnapshot(sqlitePath)
        let source = try await snapshot.read { db in try SQLiteSchema(db) }

        return try await session.transaction {
            try await session.execute("SELECT pg_advisory_xact_lock(\(PostgresMigrator.schemaLock))")
            let target = try await TargetSchema.read(session)
            try check(source: source, target: target)
            try await refuseNonEmpty(target, session)

            for table in source.tablesInDependencyOrder { try await session.execute("ALTER TABLE \(quoted(table)) DISABLE TRIGGER USER") }
            for table in Self.seededTables where target.columns[table] != nil { try await session.execute("DELETE FROM \(quoted(table))") }
            var copied: [(name: String, rows: Int)] = []
            for table in source.tablesInDependencyOrder {
                let rows = try await copyTable(table, source: source, target: target, snapshot: snapshot, session)
                copied.append((table, rows))
                progress("\(table): \(rows) rows")
            }
            try await moveSequences(source: source, target: target, snapshot: snapshot, session)
            var sampled = 0
            for (table, rows) in copied {
                let count = try await session.rows("SELECT count(*) FROM \(quoted(table))").first?.decode(Int.self) ?? -1
                guard count == rows else { throw Refusal(description: "\(table): \(rows) rows read, \(count) in PostgreSQL") }
                sampled += try await compareSample(table, rows: rows, source: source, snapshot: snapshot, session)
            }
            for table in source.tablesInDependencyOrder { try await session.execute("ALTER TABLE \(quoted(table)) ENABLE TRIGGER USER") }
            return Report(tables: copied, sampledRows: sampled, schemaVersion: source.migrations.max() ?? "none")
        }
    }

    /// A read-only snapshot of the database file; the WAL keeps it consistent while a server keeps writing.
    private func openSnapshot(_ path: String) throws -> DatabaseSnapshot {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        // Not `readonly`: a stopped deployment may have no -wal/-shm files, which a read-only WAL open cannot make.
        // Nothing here writes.
        return try DatabasePool(path: path, configuration: configuration).makeSnapshot()
    }

    /// Both databases must be at the same migration and hold the same tables and columns.
    private func check(source: SQLiteSchema, target: TargetSchema) throws {
        guard !target.migrations.isEmpty else {
            throw Refusal(description: "the PostgreSQL database is not migrated: run `parley migrate --database …` first")
        }
        guard Set(source.migrations) == Set(target.migrations) else {
            throw Refusal(description: "the databases are at different migrations (SQLite: \(source.migrations.max() ?? "none"), "
                + "PostgreSQL: \(target.migrations.max() ?? "none")): migrate both with this binary first")
        }
        for table in source.tablesInDependencyOrder {
            guard let columns = target.columns[table] else { throw Refusal(description: "PostgreSQL has no table \(table)") }
            let missing = Set(source.columns[table, default: []]).subtracting(columns.keys)
            guard missing.isEmpty else { throw Refusal(description: "PostgreSQL's \(table) lacks \(missing.sorted().joined(separator: ", "))") }
        }
    }

    /// Refuses a target holding any row (apart from what the migrations seeded).
    private func refuseNonEmpty(_ target: TargetSchema, _ session: PostgresSession) async throws {
        for table in target.columns.keys.sorted() where !Self.seededTables.contains(table) {
            if try await session.rows("SELECT 1 FROM \(quoted(table)) LIMIT 1").first != nil {
                throw Refusal(description: "the PostgreSQL database is not empty (\(table) has rows): copy only into a new, migrated database")
            }
        }
    }

    /// Copies one table in primary-key order, `batchSize` rows (at most 60,000 values) per INSERT; returns the rows.
    private func copyTable(
        _ table: String, source: SQLiteSchema, target: TargetSchema, snapshot: DatabaseSnapshot, _ session: PostgresSession
    ) async throws -> Int {
        let columns = source.columns[table, default: []]
        let key = source.primaryKey[table, default: []]
        let types = columns.map { target.columns[table]?[$0] ?? "text" }
        let perBatch = max(1, min(batchSize, 60_000 / max(1, columns.count)))
        let columnList = columns.map(quoted).joined(separator: ", ")
        var last: [SQLiteValue]? = nil
        var total = 0
        while true {
            let after = last
            let batch: [[SQLiteValue]] = try await snapshot.read { db in
                var sql = "SELECT \(columnList) FROM \(quoted(table))"
                var arguments: [DatabaseValue] = []
                if let after {
                    sql += " WHERE (\(key.map(quoted).joined(separator: ", "))) > (\(key.map { _ in "?" }.joined(separator: ", ")))"
                    arguments = after.map(\.databaseValue)
                }
                sql += " ORDER BY \(key.map(quoted).joined(separator: ", ")) LIMIT \(perBatch)"
                return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                    (0..<columns.count).map { SQLiteValue(row[$0] as DatabaseValue) }
                }
            }
            if batch.isEmpty { return total }
            var binds = PostgresBindings(capacity: batch.count * columns.count)
            var tuples: [String] = []
            for row in batch {
                var placeholders: [String] = []
                for (index, value) in row.enumerated() {
                    try value.bind(into: &binds, as: types[index], column: "\(table).\(columns[index])")
                    placeholders.append("$\(binds.count)")
                }
                tuples.append("(\(placeholders.joined(separator: ", ")))")
            }
            try await session.execute("INSERT INTO \(quoted(table)) (\(columnList)) VALUES \(tuples.joined(separator: ", "))", binds)
            total += batch.count
            let keyIndexes = key.compactMap { columns.firstIndex(of: $0) }
            last = keyIndexes.map { batch[batch.count - 1][$0] }
        }
    }

    /// Moves each identity sequence past the largest copied value and past what SQLite's AUTOINCREMENT had handed out
    /// (`sqlite_sequence`; for `user_events` also the highest pruned seq), so no seq is ever given twice.
    private func moveSequences(source: SQLiteSchema, target: TargetSchema, snapshot: DatabaseSnapshot, _ session: PostgresSession) async throws {
        let handedOut: [String: Int64] = try await snapshot.read { db in
            var values: [String: Int64] = [:]
            if try db.tableExists("sqlite_sequence") {
                for row in try Row.fetchAll(db, sql: "SELECT name, seq FROM sqlite_sequence") { values[row["name"]] = row["seq"] }
            }
            if try db.tableExists("user_events_pruned") {
                let pruned = try Int64.fetchOne(db, sql: "SELECT through_seq FROM user_events_pruned") ?? 0
                values["user_events"] = max(values["user_events"] ?? 0, pruned)
            }
            return values
        }
        for (table, column) in target.identityColumns.sorted(by: { $0.key < $1.key }) {
            let copied = try await session.rows("SELECT coalesce(max(\(quoted(column))), 0) FROM \(quoted(table))").first?.decode(Int64.self) ?? 0
            let floor = max(copied, handedOut[table] ?? 0)
            guard floor > 0 else { continue }
            var binds = PostgresBindings()
            binds.append(table)
            binds.append(column)
            binds.append(floor)
            try await session.execute("SELECT setval(pg_get_serial_sequence($1, $2), $3)", binds)
        }
    }

    /// Compares up to `samplesPerTable` rows of `table` column by column (as text); returns how many it compared.
    private func compareSample(_ table: String, rows: Int, source: SQLiteSchema, snapshot: DatabaseSnapshot, _ session: PostgresSession) async throws -> Int {
        guard rows > 0, samplesPerTable > 0 else { return 0 }
        let columns = source.columns[table, default: []]
        let key = source.primaryKey[table, default: []]
        let offsets = Set((0..<min(samplesPerTable, rows)).map { samplesPerTable == 1 ? 0 : $0 * (rows - 1) / max(1, min(samplesPerTable, rows) - 1) })
        let samples: [[SQLiteValue]] = try await snapshot.read { db in
            try offsets.sorted().compactMap { offset in
                try Row.fetchOne(db, sql: "SELECT \(columns.map(quoted).joined(separator: ", ")) FROM \(quoted(table)) ORDER BY \(key.map(quoted).joined(separator: ", ")) LIMIT 1 OFFSET \(offset)")
                    .map { row in (0..<columns.count).map { SQLiteValue(row[$0] as DatabaseValue) } }
            }
        }
        let keyIndexes = key.compactMap { columns.firstIndex(of: $0) }
        let select = columns.map { "\(quoted($0))::text" }.joined(separator: ", ")
        let match = keyIndexes.enumerated().map { "\(quoted(columns[$0.element]))::text = $\($0.offset + 1)" }.joined(separator: " AND ")
        for sample in samples {
            var binds = PostgresBindings()
            for index in keyIndexes { binds.append(sample[index].text) }
            guard let row = try await session.rows("SELECT \(select) FROM \(quoted(table)) WHERE \(match)", binds).first else {
                throw Refusal(description: "\(table): sampled row \(keyIndexes.map { sample[$0].text ?? "NULL" }) is missing in PostgreSQL")
            }
            for (index, cell) in row.enumerated() {
                let copied = try cell.decode(String?.self)
                guard copied == sample[index].text else {
                    throw Refusal(description: "\(table).\(columns[index]) differs in a sampled row: SQLite \(sample[index].text ?? "NULL"), PostgreSQL \(copied ?? "NULL")")
                }
            }
        }
        return samples.count
    }
}

/// `"name"`: an identifier quoted for either engine (`"index"` is a keyword in both).
func quoted(_ identifier: String) -> String {
    "\"\(identifier.replacingOccurrences(of: "\"", with: "\"\""))\""
}

/// The tables of the SQLite database, their columns and keys, in the order their foreign keys allow inserting them.
struct SQLiteSchema: Sendable {
    var migrations: [String]
    var tablesInDependencyOrder: [String]
    var columns: [String: [String]]
    var primaryKey: [String: [String]]

    init(_ db: Database) throws {
        migrations = try db.tableExists("schema_migrations") ? String.fetchAll(db, sql: "SELECT name FROM schema_migrations") : []
        let tables = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name
            """)
        var columns: [String: [String]] = [:]
        var primaryKey: [String: [String]] = [:]
        var parents: [String: Set<String>] = [:]
        for table in tables {
            let info = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", arguments: [table])
            columns[table] = info.map { $0["name"] as String }
            let key = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }.map { $0["name"] as String }
            primaryKey[table] = key.isEmpty ? columns[table] : key  // every table has a key today
            parents[table] = Set(try String.fetchAll(db, sql: "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)", arguments: [table]))
                .subtracting([table])
        }
        var ordered: [String] = []
        var placed: Set<String> = []
        while ordered.count < tables.count {
            let ready = tables.filter { !placed.contains($0) && parents[$0, default: []].subtracting(placed).intersection(tables).isEmpty }
            // A cycle (none today) would stall: place the rest as they are and let PostgreSQL's checks speak.
            let next = ready.isEmpty ? tables.filter { !placed.contains($0) } : ready
            ordered += next
            placed.formUnion(next)
        }
        self.tablesInDependencyOrder = ordered
        self.columns = columns
        self.primaryKey = primaryKey
    }
}

/// The PostgreSQL side: applied migrations, each table's columns and types, and identity columns.
struct TargetSchema: Sendable {
    var migrations: [String]
    /// table → column → `data_type` (`bigint`, `text`, `bytea`, …).
    var columns: [String: [String: String]]
    /// table → its identity column.
    var identityColumns: [String: String]

    static func read(_ session: PostgresSession) async throws -> TargetSchema {
        let migrated = try await session.rows("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.decode(Bool.self) == true
        let migrations = migrated ? Array(try await PostgresMigrator.recordedMigrations(session).keys) : []
        var columns: [String: [String: String]] = [:]
        var identity: [String: String] = [:]
        let rows = try await session.rows("""
            SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_identity::text
            FROM information_schema.columns c JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> 'schema_migrations'
            """)
        for row in rows {
            let (table, column, type, isIdentity) = try row.decode((String, String, String, String).self)
            columns[table, default: [:]][column] = type
            if isIdentity == "YES" { identity[table] = column }
        }
        return TargetSchema(migrations: migrations, columns: columns, identityColumns: identity)
    }
}

/// One SQLite value, as read, on its way to PostgreSQL.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let v): self = .integer(v)
        case .double(let v): self = .real(v)
        case .string(let v): self = .text(v)
        case .blob(let v): self = .blob(Array(v))
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let v): return v.databaseValue
        case .real(let v): return v.databaseValue
        case .text(let v): return v.databaseValue
        case .blob(let v): return Data(v).databaseValue
        }
    }

    /// The value as PostgreSQL prints it with `::text` (bytea as `\x` and hex), for comparing samples; nil for NULL.
    var text: String? {
        switch self {
        case .null: return nil
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let v): return "\\x" + v.map { String(format: "%02x", $0) }.joined()
        }
    }

    /// Appends the value for a column of PostgreSQL type `type`; a value that does not fit is a refusal naming `column`.
    func bind(into binds: inout PostgresBindings, as type: String, column: String) throws {
        switch (self, type) {
        case (.null, _): binds.appendNull()
        case (.integer(let v), "bigint"), (.integer(let v), "integer"), (.integer(let v), "smallint"): binds.append(v)
        case (.integer(let v), "text"): binds.append(String(v))
        case (.text(let v), "bigint"):
            guard let number = Int64(v) else { throw SQLiteToPostgresCopy.Refusal(description: "\(column): \"\(v)\" is not an integer") }
            binds.append(number)
        case (.text(let v), "bytea"): binds.append(ByteBuffer(string: v))
        case (.text(let v), _): binds.append(v)
        case (.blob(let v), "bytea"): binds.append(ByteBuffer(bytes: v))
        case (.blob(let v), "text"): binds.append(String(decoding: v, as: UTF8.self))
        case (.real(let v), "double precision"), (.real(let v), "real"): binds.append(v)
        case (.real(let v), "bigint") where v.rounded() == v: binds.append(Int64(v))
        default:
            throw SQLiteToPostgresCopy.Refusal(description: "\(column): a SQLite \(self.kind) value does not fit PostgreSQL type \(type)")
        }
    }

    private var kind: String {
        switch self {
        case .null: "NULL"
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .blob: "BLOB"
        }
    }
}
