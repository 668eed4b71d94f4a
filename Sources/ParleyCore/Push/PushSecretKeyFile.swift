import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file that holds the 256-bit key push secrets are sealed with (see `PushSecretBox`): 32 raw bytes, or their
/// base64 on one line (e.g. `openssl rand -base64 32`). Created with mode 0600 on first need: written to a temporary
/// file and linked into place, so two processes starting at once agree on one key and no one reads half a key.
struct PushSecretKeyFile {
    let path: String

    /// The key in the file; a new random key written to it when it does not exist and `creating`.
    func load(creating: Bool) throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: path) { return try key(from: data) }
        guard creating else {
            throw PushSecretBox.Failure.keyFileUnavailable(path: path, reason: "it does not exist (was it copied with the database?)")
        }
        try create()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PushSecretBox.Failure.keyFileUnavailable(path: path, reason: "it cannot be read")
        }
        return try key(from: data)
    }

    private func key(from data: Data) throws -> SymmetricKey {
        if data.count == 32 { return SymmetricKey(data: data) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let decoded = Data(base64Encoded: text), decoded.count == 32 { return SymmetricKey(data: decoded) }
        throw PushSecretBox.Failure.keyFileInvalid(path: path)
    }

    /// Writes 32 random bytes to a private temporary file and links it to `path`; if another process linked its key
    /// first, that key stays.
    private func create() throws {
        let temporary = "\(path).\(UUID().uuidString).tmp"
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else { throw failure("it cannot be created") }
        defer { unlink(temporary) }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == 32, synced == 0 else { throw failure("it cannot be written") }
        if link(temporary, path) != 0, errno != EEXIST { throw failure("it cannot be created") }
    }

    private func failure(_ reason: String) -> PushSecretBox.Failure {
        .keyFileUnavailable(path: path, reason: "\(reason) (\(String(cString: strerror(errno))))")
    }
}
