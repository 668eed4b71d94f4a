import Foundation
import Testing

@testable import ParleyCore

/// Media content on disk: streamed, bounded while streaming, content-addressed, and settled after a crash.
struct MediaFilesTests {
    /// An endless upload: only a receiver that stops counting at the limit ever returns.
    struct EndlessChunks: AsyncSequence, AsyncIteratorProtocol, Sendable {
        var sent = 0
        mutating func next() async throws -> [UInt8]? {
            sent += 1
            return [UInt8](repeating: 7, count: 64 * 1024)
        }
        func makeAsyncIterator() -> EndlessChunks { self }
    }

    func chunks(_ parts: [[UInt8]]) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            for part in parts { continuation.yield(part) }
            continuation.finish()
        }
    }

    func temporaryRoot() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("media-files-\(UUID().uuidString)", isDirectory: true)
    }

    @Test func anOversizeUploadIsRefusedWhileStreamingAndLeavesNoFile() async throws {
        let files = MediaFiles(root: temporaryRoot())
        await #expect(throws: ParleyError.self) {
            _ = try await files.receive(EndlessChunks(), maxBytes: 1024 * 1024)
        }
        let incoming = try FileManager.default.contentsOfDirectory(atPath: files.incoming.path)
        #expect(incoming.isEmpty)
    }

    @Test func contentIsHashedAndPlacedAtItsAddress() async throws {
        let files = MediaFiles(root: temporaryRoot())
        let received = try await files.receive(chunks([Array("hello ".utf8), Array("world".utf8)]), maxBytes: 100)
        #expect(received.size == 11)
        #expect(received.sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        try files.place(received)
        #expect(try Data(contentsOf: files.path(sha256: received.sha256)) == Data("hello world".utf8))
    }

    @Test func recoveryDropsPartialUploadsAndUnreferencedContentAndRestoresReferencedTrash() async throws {
        let files = MediaFiles(root: temporaryRoot())
        let kept = try await files.receive(chunks([Array("kept".utf8)]), maxBytes: 100)
        try files.place(kept)
        let orphan = try await files.receive(chunks([Array("orphan".utf8)]), maxBytes: 100)
        try files.place(orphan)
        let partial = try await files.receive(chunks([Array("partial".utf8)]), maxBytes: 100)
        let trashed = try #require(try files.moveToTrash(sha256: kept.sha256))

        try files.recover { $0 == kept.sha256 }

        #expect(FileManager.default.fileExists(atPath: files.path(sha256: kept.sha256).path))
        #expect(!FileManager.default.fileExists(atPath: trashed.path))
        #expect(!FileManager.default.fileExists(atPath: files.path(sha256: orphan.sha256).path))
        #expect(!FileManager.default.fileExists(atPath: partial.file.path))
    }
}
