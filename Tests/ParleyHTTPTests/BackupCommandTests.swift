import Foundation
import ParleyCore
import Testing

/// `parley backup`, `check` and `restore` as an operator runs them: the real binary on real files.
@Suite struct BackupCommandTests {
    /// Runs the binary; returns its exit status and output.
    func parley(_ arguments: [String]) throws -> (Int32, String) {
        let binary = try #require(ServerProcess.binary, "build the parley executable first (swift build)")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func backupCheckAndRestoreCarryTheMediaFolder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("live.db").path
        let store = try Store.open(path: db)
        try await SchemaMigrator().migrate(store)
        _ = try await Parley(store: store).accounts.bootstrap()
        try await store.checkpointAndClose()
        let object = directory.appendingPathComponent("live-media/objects/ab/abcdef")
        try FileManager.default.createDirectory(at: object.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("content".utf8).write(to: object)

        let backup = directory.appendingPathComponent("copy.db").path
        let (backedUp, backupOutput) = try parley(["backup", "--db", db, "--to", backup])
        #expect(backedUp == 0, "\(backupOutput)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("copy-media/objects/ab/abcdef").path))

        let (checked, checkOutput) = try parley(["check", "--db", backup])
        #expect(checked == 0, "\(checkOutput)")
        #expect(checkOutput.contains("migrations: ok"))

        let restored = directory.appendingPathComponent("restored.db").path
        let (restoredStatus, restoreOutput) = try parley(["restore", "--from", backup, "--db", restored])
        #expect(restoredStatus == 0, "\(restoreOutput)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("restored-media/objects/ab/abcdef").path))
        let (again, _) = try parley(["restore", "--from", backup, "--db", restored])
        #expect(again != 0, "an existing database is not replaced without --force")

        let garbage = directory.appendingPathComponent("garbage.db").path
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: garbage))
        let (bad, _) = try parley(["check", "--db", garbage])
        #expect(bad != 0)
    }
}
