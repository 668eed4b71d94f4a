import ArgumentParser
import Foundation
import ParleyCore

/// `parley backup`: a consistent copy of a database (and its media) while the server keeps running.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database and its media folder while the server runs.",
        discussion: """
            The database is copied with SQLite's online backup in one read transaction, so the copy is a consistent \
            snapshot even while the server writes. Media files are content-addressed and never change, so they are \
            copied after the database: every file the copy refers to is there. The media folder goes beside the copy \
            (backup.db -> backup-media), which is where `parley restore` looks for it. The push secrets key file, \
            when there is one, is copied beside the copy (backup.db -> backup.db.secrets-key, mode 0600): the stored \
            push credentials cannot be opened without it.
            """)

    @Option(help: "The SQLite database file to back up.") var db = "parley.db"
    @Option(help: "The file to write the backup to (replaced if it exists).") var to: String
    @Option(help: "The media folder (default: the '-media' folder beside the database, as `parley serve` uses).")
    var mediaDir: String?
    @Flag(help: "Copy the database only.") var noMedia = false
    @Option(help: "The push secrets key file (default: '<db>.secrets-key', as `parley serve` uses); copied to '<to>.secrets-key'.")
    var secretsKeyFile: String?

    func run() async throws {
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("\(db): no such file") }
        if let secretsKeyFile, !FileManager.default.fileExists(atPath: secretsKeyFile) {
            throw ValidationError("--secrets-key-file: \(secretsKeyFile): no such file")
        }
        let store = try Store.open(path: db)
        try await store.backup(to: to)
        try await store.checkpointAndClose()
        var report = "Backed up \(db) to \(to)"
        if !noMedia {
            let source = mediaDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? MediaFiles.defaultRoot(besideDatabase: db)
            let copied = try MediaCopy.copy(from: source, to: MediaFiles.defaultRoot(besideDatabase: to))
            report += copied.map { ", with \($0) media files" } ?? " (no media folder at \(source.path))"
        }
        // After the database: a key that sealed a credential in the copy existed before the copy was taken.
        let keyCopy = SecretsKeyCopy.defaultPath(besideDatabase: to)
        if try SecretsKeyCopy.copy(from: secretsKeyFile ?? SecretsKeyCopy.defaultPath(besideDatabase: db), to: keyCopy) {
            report += ", and the secrets key file to \(keyCopy) (keep it apart from copies of the database you hand out)"
        }
        print(report)
    }
}

/// Copies a media folder's content (`objects/`) into another, adding what is missing (content-addressed
/// files never change, so existing ones are kept).
enum MediaCopy {
    /// The number of files the destination holds afterwards; nil when there is no source folder.
    static func copy(from source: URL, to destination: URL) throws -> Int? {
        let objects = source.appendingPathComponent("objects", isDirectory: true)
        guard FileManager.default.fileExists(atPath: objects.path) else { return nil }
        var count = 0
        let enumerator = FileManager.default.enumerator(at: objects, includingPropertiesForKeys: [.isRegularFileKey])
        while let file = enumerator?.nextObject() as? URL {
            guard (try file.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let relative = String(file.standardizedFileURL.path.dropFirst(objects.standardizedFileURL.path.count + 1))
            let target = destination.appendingPathComponent("objects", isDirectory: true).appendingPathComponent(relative)
            try OwnerOnly.createDirectory(at: target.deletingLastPathComponent())
            if !FileManager.default.fileExists(atPath: target.path) { try FileManager.default.copyItem(at: file, to: target) }
            count += 1
        }
        return count
    }
}
