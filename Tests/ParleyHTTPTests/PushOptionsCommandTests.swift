import Foundation
import Testing

/// `parley serve` refuses bad push options at start, before it opens (or creates) the database: the real binary.
@Suite struct PushOptionsCommandTests {
    /// Runs `parley serve` with `options` on a database in a fresh folder, stopping it after `limit` if it started;
    /// returns its exit status, its output, and whether the database file was created.
    func serve(_ options: [String], limit: Duration = .seconds(15)) async throws -> (status: Int32, output: String, createdDatabase: Bool) {
        let binary = try #require(ServerProcess.binary, "build the parley executable first (swift build)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-push-options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("parley.db").path
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--db", db, "--port", "0"] + options
        let output = directory.appendingPathComponent("output.txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { process.interrupt() }
        process.waitUntilExit()
        try handle.close()
        let text = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
        return (process.terminationStatus, text, FileManager.default.fileExists(atPath: db))
    }

    @Test(arguments: [
        ["--apns-url", "api.push.apple.com"], ["--apns-url", "ftp://api.push.apple.com"], ["--apns-sandbox-url", "https://"],
        ["--apns-url", "https://127.0.0.1:99999"], ["--fcm-url", "https://fcm.example/v1?key=x"], ["--fcm-url", "https://user:pw@fcm.example"],
        ["--fcm-oauth-url", "http:/token"],
    ])
    func aBadProviderURLIsRefusedByName(_ options: [String]) async throws {
        let (status, output, created) = try await serve(options)
        #expect(status != 0 && output.contains("Error: \(options[0])"), "\(output)")
        #expect(!created, "refused before the database is opened")
    }

    @Test func anUnreadableOrNonPEMCAFileIsRefusedBeforeTheDatabaseIsOpened() async throws {
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("parley-junk-\(UUID().uuidString).pem")
        try Data("not a certificate\n".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        for (file, says) in [("/nonexistent/ca.pem", "cannot read"), (FileManager.default.temporaryDirectory.path, "cannot read"), (junk.path, "not a PEM certificate")] {
            let (status, output, created) = try await serve(["--push-ca-file", file])
            #expect(status != 0 && output.contains("--push-ca-file") && output.contains(says), "\(output)")
            #expect(!created, "\(file): refused before the database is opened")
        }
    }
}
