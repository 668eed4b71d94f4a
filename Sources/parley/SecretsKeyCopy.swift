import Foundation
import ParleyCore

/// Carries the push secrets key file (`<db>.secrets-key` or `--secrets-key-file`) with a backup, as `<backup>.secrets-key`,
/// and back beside a restored database: a database whose credentials were sealed with a key that is not there cannot
/// open them. Copies are written with mode 0600 to a temporary file, synced and renamed into place.
enum SecretsKeyCopy {
    /// The key file `parley serve` uses for `database` when no `--secrets-key-file` is given (`PushSecretBox`'s default).
    static func defaultPath(besideDatabase database: String) -> String {
        PushSecretBox.beside(databasePath: database).keyFilePath ?? database + ".secrets-key"
    }

    /// Copies `source` to `destination` (mode 0600, replacing it); returns false when there is no `source`.
    @discardableResult
    static func copy(from source: String, to destination: String) throws -> Bool {
        guard let key = FileManager.default.contents(atPath: source) else { return false }
        let temporary = "\(destination).\(UUID().uuidString).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.write(contentsOf: key)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, destination) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination]) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        return true
    }

    /// Whether the files at `a` and `b` both exist and hold the same bytes.
    static func same(_ a: String, _ b: String) -> Bool {
        guard let first = FileManager.default.contents(atPath: a) else { return false }
        return first == FileManager.default.contents(atPath: b)
    }
}
