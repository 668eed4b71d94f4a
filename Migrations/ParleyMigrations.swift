/// One forward-only schema change: a file `NNNN_name.sql` in this folder, embedded in the binary.
public struct EmbeddedMigration: Sendable {
    /// The file's name without `.sql`, e.g. `0001_initial`; its leading number orders migrations.
    public let name: String
    /// The SQL text, run as one transaction.
    public let sql: String

    public init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.sql = String(decoding: bytes, as: UTF8.self)
    }
}

/// Every migration this binary knows, in the order they apply.
///
/// SwiftPM embeds each `sql/*.sql` file as `PackageResources.<name>` (a leading digit becomes `_`);
/// add one line here per new file. `MigrationFilesTests` fails when a file is missing from this list.
public let embeddedMigrations: [EmbeddedMigration] = [
    EmbeddedMigration("0001_initial", PackageResources._001_initial_sql),
    EmbeddedMigration("0002_memberships", PackageResources._002_memberships_sql),
    EmbeddedMigration("0003_user_events", PackageResources._003_user_events_sql),
    EmbeddedMigration("0004_channels", PackageResources._004_channels_sql),
    EmbeddedMigration("0005_webhooks", PackageResources._005_webhooks_sql),
    EmbeddedMigration("0006_operations", PackageResources._006_operations_sql),
    EmbeddedMigration("0007_media", PackageResources._007_media_sql),
    EmbeddedMigration("0008_conversation_events", PackageResources._008_conversation_events_sql),
    EmbeddedMigration("0009_sandbox_accounts", PackageResources._009_sandbox_accounts_sql),
    EmbeddedMigration("0010_push", PackageResources._010_push_sql),
]

/// The PostgreSQL dialect of every migration (`pg/NNNN_name.pg.sql`): the same names, numbers and meaning as
/// `embeddedMigrations`, applied by `PostgresMigrator` to a `postgres://` database. The files carry `.pg` in their name
/// because SwiftPM names an embedded file by its last path component alone. `MigrationFilesTests` fails when a file is
/// missing from this list or when the two lists disagree.
public let embeddedPostgresMigrations: [EmbeddedMigration] = [
    EmbeddedMigration("0001_initial", PackageResources._001_initial_pg_sql),
    EmbeddedMigration("0002_memberships", PackageResources._002_memberships_pg_sql),
    EmbeddedMigration("0003_user_events", PackageResources._003_user_events_pg_sql),
    EmbeddedMigration("0004_channels", PackageResources._004_channels_pg_sql),
    EmbeddedMigration("0005_webhooks", PackageResources._005_webhooks_pg_sql),
    EmbeddedMigration("0006_operations", PackageResources._006_operations_pg_sql),
    EmbeddedMigration("0007_media", PackageResources._007_media_pg_sql),
    EmbeddedMigration("0008_conversation_events", PackageResources._008_conversation_events_pg_sql),
    EmbeddedMigration("0009_sandbox_accounts", PackageResources._009_sandbox_accounts_pg_sql),
    EmbeddedMigration("0010_push", PackageResources._010_push_pg_sql),
]
