import Crypto
import Foundation
import Synchronization

/// Seals and opens the secret material of push credentials (`push_credentials.secret`) with AES-256-GCM under a key
/// kept OUTSIDE the database, so a copy of the database alone does not reveal APNs keys or service accounts.
///
/// Sealed text is `v1:` + base64(nonce | ciphertext | tag); the credential's SID is authenticated data, so a sealed
/// secret moved to another row does not open. The key comes from a key file (32 raw bytes, or their base64 on one
/// line), by default `<database file>.secrets-key` beside the database, created with mode 0600 the first time a
/// secret is sealed.
public final class PushSecretBox: Sendable {
    /// Why a secret could not be sealed or opened. Messages name the key file, never the secret.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The key file does not exist (when opening) or could not be created/read.
        case keyFileUnavailable(path: String, reason: String)
        /// The key file does not hold 32 bytes (raw, or base64 text).
        case keyFileInvalid(path: String)
        /// The sealed text is not `v1:` + base64, or it does not open with this key (another key file, or tampered).
        case cannotOpen

        public var description: String {
            switch self {
            case .keyFileUnavailable(let path, let reason): "the secrets key file \(path) is not available: \(reason)"
            case .keyFileInvalid(let path): "the secrets key file \(path) does not hold a 256-bit key (32 bytes, raw or base64)"
            case .cannotOpen: "the sealed secret does not open with this secrets key (another key file, or the value was changed)"
            }
        }
    }

    private enum Source {
        case key(SymmetricKey)
        case file(String)
    }

    private static let prefix = "v1:"
    private let source: Source
    /// The key read from (or written to) the key file, once it was needed.
    private let loaded = Mutex<SymmetricKey?>(nil)

    /// A box over a key held in memory (tests; a server whose database is in memory).
    public init(key: SymmetricKey) {
        self.source = .key(key)
    }

    /// A box over the key in `keyFile`, read (or created, mode 0600) when a secret is first sealed or opened.
    public init(keyFile: String) {
        self.source = .file(keyFile)
    }

    /// The default key file for a database: `<database file>.secrets-key` beside it; a random in-memory key when the
    /// database has no file.
    public static func beside(databasePath path: String?) -> PushSecretBox {
        guard let path else { return PushSecretBox(key: SymmetricKey(size: .bits256)) }
        return PushSecretBox(keyFile: path + ".secrets-key")
    }

    /// Where the key lives, for messages and the README's backup advice; nil for an in-memory key.
    public var keyFilePath: String? {
        if case .file(let path) = source { return path }
        return nil
    }

    /// Seals `secret` for the credential `sid`.
    public func seal(_ secret: PushCredentialSecret, credentialSid sid: String) throws -> String {
        let plaintext = try JSONEncoder().encode(secret)
        let box = try AES.GCM.seal(plaintext, using: key(creating: true), authenticating: Data(sid.utf8))
        guard let combined = box.combined else { throw Failure.cannotOpen }
        return Self.prefix + combined.base64EncodedString()
    }

    /// Opens what `seal` wrote for the credential `sid`.
    public func open(_ sealed: String, credentialSid sid: String) throws -> PushCredentialSecret {
        guard sealed.hasPrefix(Self.prefix), let combined = Data(base64Encoded: String(sealed.dropFirst(Self.prefix.count))) else {
            throw Failure.cannotOpen
        }
        let key = try key(creating: false)
        do {
            let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key, authenticating: Data(sid.utf8))
            return try JSONDecoder().decode(PushCredentialSecret.self, from: plaintext)
        } catch {
            throw Failure.cannotOpen
        }
    }

    private func key(creating: Bool) throws -> SymmetricKey {
        switch source {
        case .key(let key):
            return key
        case .file(let path):
            return try loaded.withLock { cached in
                if let cached { return cached }
                let key = try PushSecretKeyFile(path: path).load(creating: creating)
                cached = key
                return key
            }
        }
    }
}
