import Foundation
import ParleyCore
import Testing

/// `parley backup` and `parley restore` carry the push secrets key file: a restored database must open its credentials.
/// The real binary on real files, as `BackupCommandTests`.
@Suite struct BackupSecretsKeyCommandTests {
    let cli = BackupCommandTests()

    /// A database in `directory` with one stored push credential (which creates `<db>.secrets-key`); returns its SID.
    func databaseWithACredential(_ db: String, keyFile: String? = nil) async throws -> String {
        let store = try Store.open(path: db)
        try await SchemaMigrator().migrate(store)
        let parley = Parley(store: store, pushSecrets: keyFile.map(PushSecretBox.init(keyFile:)))
        let account = try await parley.accounts.bootstrap().account
        var changes = PushCredentialService.Changes()
        changes.type = .fcm
        changes.fields = PushCredentialFields(secret: "AAAA-legacy-server-key")
        let credential = try await parley.pushCredentials.create(Principal(accountSid: account.sid, credentialSid: account.sid), changes)
        try await store.checkpointAndClose()
        return credential.sid
    }

    /// Whether the database at `db` opens the credential's secret with the key file `keyFile`.
    func opens(_ credentialSid: String, db: String, keyFile: String) async throws -> Bool {
        let store = try Store.open(path: db)
        let parley = Parley(store: store, pushSecrets: PushSecretBox(keyFile: keyFile))
        let opened = (try? await parley.pushCredentials.secret(credentialSid: credentialSid)) != nil
        try await store.checkpointAndClose()
        return opened
    }

    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func theKeyFileTravelsWithTheBackupAndComesBackBesideTheRestoredDatabase() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-cli-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("live.db").path
        let credential = try await databaseWithACredential(db)
        let key = try #require(FileManager.default.contents(atPath: db + ".secrets-key"))

        let backup = directory.appendingPathComponent("copy.db").path
        let (backedUp, backupOutput) = try cli.parley(["backup", "--db", db, "--to", backup])
        #expect(backedUp == 0, "\(backupOutput)")
        #expect(FileManager.default.contents(atPath: backup + ".secrets-key") == key, "\(backupOutput)")
        #expect(try mode(backup + ".secrets-key") == 0o600)

        let restored = directory.appendingPathComponent("restored.db").path
        let (restoredStatus, restoreOutput) = try cli.parley(["restore", "--from", backup, "--db", restored])
        #expect(restoredStatus == 0, "\(restoreOutput)")
        #expect(FileManager.default.contents(atPath: restored + ".secrets-key") == key, "\(restoreOutput)")
        #expect(try mode(restored + ".secrets-key") == 0o600)
        #expect(try await opens(credential, db: restored, keyFile: restored + ".secrets-key"))
    }

    @Test func anExplicitKeyFileIsCopiedAndADifferentOneAtTheTargetIsKeptAside() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-cli-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("live.db").path
        let keyFile = directory.appendingPathComponent("elsewhere.key").path
        let credential = try await databaseWithACredential(db, keyFile: keyFile)
        let key = try #require(FileManager.default.contents(atPath: keyFile))
        #expect(!FileManager.default.fileExists(atPath: db + ".secrets-key"))

        let backup = directory.appendingPathComponent("copy.db").path
        let (missing, missingOutput) = try cli.parley(["backup", "--db", db, "--to", backup, "--secrets-key-file", keyFile + ".typo"])
        #expect(missing != 0, "a key file named but absent is an error: \(missingOutput)")
        let (backedUp, backupOutput) = try cli.parley(["backup", "--db", db, "--to", backup, "--secrets-key-file", keyFile])
        #expect(backedUp == 0, "\(backupOutput)")
        #expect(FileManager.default.contents(atPath: backup + ".secrets-key") == key)

        // Another server's key already sits where the restored one goes: it is kept, not lost.
        let target = directory.appendingPathComponent("target.key").path
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: target))
        let restored = directory.appendingPathComponent("restored.db").path
        let (restoredStatus, restoreOutput) = try cli.parley(["restore", "--from", backup, "--db", restored, "--secrets-key-file", target])
        #expect(restoredStatus == 0, "\(restoreOutput)")
        #expect(FileManager.default.contents(atPath: target) == key)
        #expect(FileManager.default.contents(atPath: target + ".before-restore") == Data(repeating: 7, count: 32))
        #expect(try await opens(credential, db: restored, keyFile: target))
    }
}
