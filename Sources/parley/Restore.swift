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
            (backup.db -> backup-media) is copied into the database's media folder, and its secrets key file \
            (backup.db.secrets-key) beside the database (or to --secrets-key-file); a different key file already there \
            is kept as '<key file>.before-restore'.
            """)

    @Option(help: "The backup file (written by `parley backup`).") var from: String
    @Option(help: "The database file to restore into.") var db = "parley.db"
    @Option(help: "The media folder to restore into (default: the '-media' folder beside the database).") var mediaDir: String?
    @Flag(help: "Replace an existing database.") var force = false
    @Option(help: "Where to put the backup's push secrets key file (default: '<db>.secrets-key', as `parley serve` uses).")
    var secretsKeyFile: String?

    func run() async throws {
        do {
            try Store.restore(from: from, to: db, overwrite: force)
        } catch let error as Store.RestoreError {
            throw ValidationError(error.description)
        }
        let target = mediaDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? MediaFiles.defaultRoot(besideDatabase: db)
        let copied = try MediaCopy.copy(from: MediaFiles.defaultRoot(besideDatabase: from), to: target)
        print("Restored \(db) from \(from)" + (copied.map { ", with \($0) media files" } ?? "") + (try restoreKeyFile()))
    }

    /// Puts the backup's key file in place; what was done, for the report line.
    private func restoreKeyFile() throws -> String {
        let source = SecretsKeyCopy.defaultPath(besideDatabase: from)
        let target = secretsKeyFile ?? SecretsKeyCopy.defaultPath(besideDatabase: db)
        guard FileManager.default.fileExists(atPath: source) else {
            return "; no secrets key file beside the backup (push credentials, if any, open only with the key they were sealed with)"
        }
        if SecretsKeyCopy.same(source, target) { return ", and the secrets key file \(target) already matches" }
        var kept = ""
        if FileManager.default.fileExists(atPath: target) {
            let aside = target + ".before-restore"
            try? FileManager.default.removeItem(atPath: aside)
            try FileManager.default.moveItem(atPath: target, toPath: aside)
            kept = " (the one there before is kept as \(aside))"
        }
        try SecretsKeyCopy.copy(from: source, to: target)
        return ", and the secrets key file to \(target)\(kept)"
    }
}
