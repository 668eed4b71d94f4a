import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The bytes of media, content-addressed under one folder: `objects/ab/<sha256>`, so identical content is stored
/// once. An upload is streamed into `incoming/` (never held in memory), hashed as it arrives and fsynced; it is moved
/// to its address only inside the write transaction that records its row, and content is moved out (to `trash/`) only
/// inside the transaction that drops its last reference. Writes are serialized, so an upload and a release of the
/// same content never race; `recover()` at start-up settles what a crash left between a rename and a commit.
public struct MediaFiles: Sendable {
    /// The folder that holds everything (`--data-dir`/media).
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// `parley-media` beside `parley.db`; a fresh temporary folder for an in-memory database.
    public static func defaultRoot(besideDatabase path: String?) -> URL {
        guard let path else { return FileManager.default.temporaryDirectory.appendingPathComponent("parley-media-\(UUID().uuidString)") }
        let database = URL(fileURLWithPath: path)
        let name = database.deletingPathExtension().lastPathComponent
        return database.deletingLastPathComponent().appendingPathComponent("\(name)-media", isDirectory: true)
    }

    var incoming: URL { root.appendingPathComponent("incoming", isDirectory: true) }
    var objects: URL { root.appendingPathComponent("objects", isDirectory: true) }
    var trash: URL { root.appendingPathComponent("trash", isDirectory: true) }

    /// A received upload, waiting in `incoming/` to be placed.
    public struct Received: Sendable {
        public let file: URL
        public let size: Int64
        public let sha256: String
    }

    /// Streams `chunks` into a new file in `incoming/`, hashing them; throws `mediaTooLarge` as soon as more than
    /// `maxBytes` arrive (the partial file is removed).
    public func receive<Chunks: AsyncSequence>(_ chunks: Chunks, maxBytes: Int64) async throws -> Received where Chunks.Element == [UInt8] {
        try Self.makeFolder(incoming)
        let file = incoming.appendingPathComponent(UUID().uuidString)
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        do {
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            var hasher = SHA256()
            var size: Int64 = 0
            for try await chunk in chunks {
                size += Int64(chunk.count)
                guard size <= maxBytes else { throw ParleyError.mediaTooLarge(limit: maxBytes) }
                hasher.update(data: chunk)
                try handle.write(contentsOf: chunk)
            }
            try handle.synchronize()
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            return Received(file: file, size: size, sha256: digest)
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw error
        }
    }

    /// Drops a received file that will not be recorded.
    public func discard(_ received: Received) {
        try? FileManager.default.removeItem(at: received.file)
    }

    /// The file holding content `sha256`.
    public func path(sha256: String) -> URL {
        objects.appendingPathComponent(String(sha256.prefix(2)), isDirectory: true).appendingPathComponent(sha256)
    }

    /// Moves a received file to its content address (replacing identical content already there). Call inside the
    /// write transaction that records it.
    func place(_ received: Received) throws {
        let target = path(sha256: received.sha256)
        let folder = target.deletingLastPathComponent()
        try Self.makeFolder(folder)
        guard rename(received.file.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        Self.syncFolder(folder)
    }

    /// Moves content out of its address, into `trash/`; returns where, for `purge` once the transaction has
    /// committed. Call inside the write transaction that dropped the content's last reference.
    func moveToTrash(sha256: String) throws -> URL? {
        let source = path(sha256: sha256)
        guard FileManager.default.fileExists(atPath: source.path) else { return nil }
        try Self.makeFolder(trash)
        let target = trash.appendingPathComponent("\(sha256).\(UUID().uuidString)")
        guard rename(source.path, target.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        return target
    }

    /// Deletes a trashed file for good.
    func purge(_ trashed: URL) {
        try? FileManager.default.removeItem(at: trashed)
    }

    /// Settles what a crash may have left: partial uploads are deleted; content placed by a transaction that did not
    /// commit (no row references it) is deleted; trashed content that a row still references (its transaction did not
    /// commit) goes back to its address, the rest is deleted.
    public func recover(isReferenced: (String) throws -> Bool) throws {
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: incoming.path)) ?? [] {
            try? manager.removeItem(at: incoming.appendingPathComponent(name))
        }
        for prefix in (try? manager.contentsOfDirectory(atPath: objects.path)) ?? [] {
            let folder = objects.appendingPathComponent(prefix, isDirectory: true)
            for sha256 in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where try !isReferenced(sha256) {
                try? manager.removeItem(at: folder.appendingPathComponent(sha256))
            }
        }
        for name in (try? manager.contentsOfDirectory(atPath: trash.path)) ?? [] {
            let trashed = trash.appendingPathComponent(name)
            let sha256 = String(name.prefix(64))
            let home = path(sha256: sha256)
            if try isReferenced(sha256), !manager.fileExists(atPath: home.path) {
                try Self.makeFolder(home.deletingLastPathComponent())
                _ = rename(trashed.path, home.path)
            } else {
                try? manager.removeItem(at: trashed)
            }
        }
    }

    /// Creates `folder` (and its parents) readable by the owner only.
    private static func makeFolder(_ folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Makes a rename in `folder` durable.
    private static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }
}
