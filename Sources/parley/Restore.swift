import ArgumentParser
import Foundation
import ParleyCore

/// `parley restore`: put a backup in place of a database that is not in use.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace a database with a backup (the server must be stopped).",
        discussion: """
            Checks the backup's integrity first. Refuses to replace an existing database unless --force is given, and \
            always refuses while another process (a running server) has the database open. The backup's media folder \
            (backup.db -> backup-media) is copied into the database's media folder.
            """)

    @Option(help: "The backup file (written by `parley backup`).") var from: String
    @Option(help: "The database file to restore into.") var db = "parley.db"
    @Option(help: "The media folder to restore into (default: the '-media' folder beside the database).") var mediaDir: String?
    @Flag(help: "Replace an existing database.") var force = false

    func run() async throws {
        do {
            try Store.restore(from: from, to: db, overwrite: force)
        } catch let error as Store.RestoreError {
            throw ValidationError(error.description)
        }
        let target = mediaDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? MediaFiles.defaultRoot(besideDatabase: db)
        let copied = try MediaCopy.copy(from: MediaFiles.defaultRoot(besideDatabase: from), to: target)
        print("Restored \(db) from \(from)" + (copied.map { ", with \($0) media files" } ?? ""))
    }
}
