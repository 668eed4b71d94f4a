import Crypto
import Foundation
import ParleyCore
import PostgresTestSupport
import Testing
import _CryptoExtras

/// `/v1/Credentials`: CRUD and paging, every kind of secret material, bad material refused with nothing stored,
/// secrets absent from responses, logs and the raw database, and the key file outside the database.
@Suite struct PushCredentialsTests {
    /// An APNs token-auth `.p8` (PKCS#8 PEM) and the `Secret` JSON that goes with it.
    static func apnsTokenForm(_ key: P256.Signing.PrivateKey = P256.Signing.PrivateKey(), name: String = "ios") -> [(String, String)] {
        [
            ("Type", "apn"), ("FriendlyName", name), ("PrivateKey", key.pemRepresentation),
            ("Secret", #"{"key_id": "ABC123DEFG", "team_id": "TEAM123456", "bundle_id": "com.example.parley"}"#),
        ]
    }

    /// A Google service-account JSON with a fresh RSA key.
    static func serviceAccountJSON(projectId: String? = "parley-test", privateKey: String? = nil) throws -> String {
        var account: [String: String] = [
            "type": "service_account", "client_email": "push@parley-test.iam.gserviceaccount.com",
            "private_key": try privateKey ?? _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation,
            "token_uri": "https://oauth2.googleapis.com/token",
        ]
        account["project_id"] = projectId
        return String(decoding: try JSONSerialization.data(withJSONObject: account), as: UTF8.self)
    }

    static func credentialCount(_ api: TestAPI) async throws -> Int {
        try await api.parley.store.count("SELECT count(*) FROM push_credentials")
    }

    @Test func createFetchListUpdateDeleteWithPaging() async throws {
        try await withParley { api in
            var sids: [String] = []
            for index in 0..<3 {
                let created = try await api.post("/v1/Credentials", Self.apnsTokenForm(name: "app \(index)"))
                #expect(created.status == .created, "\(created.text)")
                #expect(created["type"] == "apn")
                #expect(created["sandbox"] == "False")
                #expect(created["friendly_name"] == "app \(index)")
                #expect(created["account_sid"] == TestCredentials.accountSid)
                let sid = try #require(created["sid"])
                #expect(SID.isValid(sid, .credential))
                #expect(created["url"] == "\(TestCredentials.publicURL)/v1/Credentials/\(sid)")
                #expect(Set(created.json.keys) == ["sid", "account_sid", "friendly_name", "type", "sandbox", "date_created", "date_updated", "url"])
                sids.append(sid)
            }

            let first = try await api.get("/v1/Credentials", [("PageSize", "2")])
            #expect(first.status == .ok)
            #expect(first.meta["key"] as? String == "credentials")
            #expect(first.records.map { $0["sid"] as? String } == Array(sids.prefix(2)))
            let next = try #require(first.meta["next_page_url"] as? String)
            let second = try await api.follow(next)
            #expect(second.records.map { $0["sid"] as? String } == [sids[2]])
            #expect(second.meta["next_page_url"] is NSNull)

            let fetched = try await api.get("/v1/Credentials/\(sids[0])")
            #expect(fetched.status == .ok)
            #expect(fetched["friendly_name"] == "app 0")

            let updated = try await api.post("/v1/Credentials/\(sids[0])", [("FriendlyName", "renamed"), ("Sandbox", "true")])
            #expect(updated.status == .ok, "\(updated.text)")
            #expect(updated["friendly_name"] == "renamed")
            #expect(updated["sandbox"] == "True")
            let opened = try #require(try await api.parley.pushCredentials.secret(credentialSid: sids[0]))
            #expect(opened.sandbox)

            #expect(try await api.delete("/v1/Credentials/\(sids[0])").status == .noContent)
            let gone = try await api.get("/v1/Credentials/\(sids[0])")
            #expect(gone.status == .notFound)
            #expect(gone.code == 20404)
            #expect(try await api.delete("/v1/Credentials/\(sids[0])").status == .notFound)
            #expect(try await Self.credentialCount(api) == 2)
        }
    }

    @Test func eachKindOfSecretIsAcceptedAndOpensAsSent() async throws {
        try await withParley { api in
            func create(_ form: [(String, String)]) async throws -> PushCredentialSecret {
                let response = try await api.post("/v1/Credentials", form)
                #expect(response.status == .created, "\(response.text)")
                let sid = try #require(response["sid"])
                return try #require(try await api.parley.pushCredentials.secret(credentialSid: sid)).0
            }

            // APNs certificate auth: the topic is the certificate subject's UID.
            let certificate = try await create([
                ("Type", "apn"), ("Certificate", PushTestMaterial.certificatePEM), ("PrivateKey", PushTestMaterial.certificateKeyPEM),
                ("Sandbox", "True"),
            ])
            #expect(
                certificate
                    == .apnsCertificate(
                        certificatePEM: PushTestMaterial.certificatePEM, privateKeyPEM: PushTestMaterial.certificateKeyPEM,
                        topic: "com.example.parley"))
            // A certificate without a UID, with its P-256 key: the topic comes from Secret.
            let explicitTopic = try await create([
                ("Type", "apn"), ("Certificate", PushTestMaterial.certificateWithoutUIDPEM),
                ("PrivateKey", PushTestMaterial.certificateWithoutUIDKeyPEM), ("Secret", #"{"bundle_id": "com.example.other"}"#),
            ])
            guard case .apnsCertificate(_, _, let topic) = explicitTopic else { Issue.record("not a certificate: \(explicitTopic)"); return }
            #expect(topic == "com.example.other")

            // APNs token auth.
            let p8 = P256.Signing.PrivateKey()
            let token = try await create(Self.apnsTokenForm(p8))
            #expect(token == .apnsToken(privateKeyPEM: p8.pemRepresentation, keyId: "ABC123DEFG", teamId: "TEAM123456", topic: "com.example.parley"))

            // FCM HTTP v1 service account, and a legacy server key.
            let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
            let account = try await create([("Type", "fcm"), ("Secret", try Self.serviceAccountJSON(privateKey: rsa))])
            #expect(
                account
                    == .fcmServiceAccount(
                        projectId: "parley-test", clientEmail: "push@parley-test.iam.gserviceaccount.com", privateKeyPEM: rsa,
                        tokenURI: "https://oauth2.googleapis.com/token"))
            #expect(try await create([("Type", "fcm"), ("Secret", "AAAAlegacy-server-key")]) == .legacyServerKey("AAAAlegacy-server-key"))

            // GCM: the API key, kept as a legacy server key.
            #expect(try await create([("Type", "gcm"), ("ApiKey", "AIzaGcmKey")]) == .legacyServerKey("AIzaGcmKey"))
        }
    }

    @Test func badMaterialIsRefusedWith400AndNothingIsStored() async throws {
        let otherP256 = P256.Signing.PrivateKey().pemRepresentation
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        let certificate = PushTestMaterial.certificatePEM
        let cases: [(String, [(String, String)])] = [
            ("Type", [("FriendlyName", "no type")]),
            ("Type", [("Type", "webpush"), ("Secret", "x")]),
            ("FriendlyName", [("Type", "gcm"), ("ApiKey", "k"), ("FriendlyName", String(repeating: "n", count: 65))]),
            ("Certificate", [("Type", "apn")]),
            ("Certificate", [("Type", "apn"), ("Certificate", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----"), ("PrivateKey", rsa)]),
            ("Certificate", [("Type", "apn"), ("Certificate", "MIIB plain text"), ("PrivateKey", rsa)]),
            ("PrivateKey", [("Type", "apn"), ("Certificate", certificate)]),
            ("PrivateKey", [("Type", "apn"), ("Certificate", certificate), ("PrivateKey", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")]),
            ("PrivateKey", [("Type", "apn"), ("Certificate", certificate), ("PrivateKey", otherP256)]),  // not the certificate's key
            ("Certificate", [
                ("Type", "apn"), ("Certificate", PushTestMaterial.certificateWithoutUIDPEM), ("PrivateKey", PushTestMaterial.certificateWithoutUIDKeyPEM),
            ]),  // no UID and no bundle_id
            ("PrivateKey", Self.apnsTokenForm().map { $0.0 == "PrivateKey" ? ($0.0, rsa) : $0 }),  // token auth needs P-256
            ("Secret", [("Type", "apn"), ("PrivateKey", otherP256)]),
            ("Secret", [("Type", "apn"), ("PrivateKey", otherP256), ("Secret", #"{"key_id": "K", "bundle_id": "b"}"#)]),  // no team_id
            ("Secret", [("Type", "apn"), ("PrivateKey", otherP256), ("Secret", "not json")]),
            ("Secret", [("Type", "fcm")]),
            ("Secret", [("Type", "fcm"), ("Secret", try Self.serviceAccountJSON(projectId: nil))]),
            ("Secret", [("Type", "fcm"), ("Secret", try Self.serviceAccountJSON(privateKey: otherP256))]),  // not RSA
            ("Secret", [("Type", "fcm"), ("Secret", #"{"project_id": "p", "client_email": "e""#)]),  // broken JSON
            ("ApiKey", [("Type", "gcm")]),
            ("Sandbox", [("Type", "gcm"), ("ApiKey", "k"), ("Sandbox", "maybe")]),
        ]
        try await withParley { api in
            for (field, form) in cases {
                let response = try await api.post("/v1/Credentials", form)
                #expect(response.status == .badRequest, "\(field): \(response.text)")
                #expect(response.code == 20001, "\(field): \(response.text)")
                #expect((response["message"] ?? "").contains(field), "\(field): \(response.text)")
                #expect(response.json["more_info"] as? String == "https://www.twilio.com/docs/errors/20001")
                #expect(response.json["status"] as? Int == 400)
            }
            #expect(try await Self.credentialCount(api) == 0)
        }
    }

    @Test func updateRechecksWhatItChangesAndKeepsTheRest() async throws {
        try await withParley { api in
            let created = try await api.post("/v1/Credentials", [
                ("Type", "apn"), ("Certificate", PushTestMaterial.certificatePEM), ("PrivateKey", PushTestMaterial.certificateKeyPEM),
            ])
            let sid = try #require(created["sid"])
            let before = try #require(try await api.parley.pushCredentials.secret(credentialSid: sid)).0

            // A key that does not belong to the stored certificate, a malformed one, a type change without material: refused, unchanged.
            for form in [
                [("PrivateKey", P256.Signing.PrivateKey().pemRepresentation)], [("Certificate", "garbage")], [("Type", "fcm")],
                [("Sandbox", "yes")],
            ] {
                let refused = try await api.post("/v1/Credentials/\(sid)", form)
                #expect(refused.status == .badRequest, "\(form.map(\.0)): \(refused.text)")
                #expect(refused.code == 20001)
            }
            #expect(try await api.parley.pushCredentials.secret(credentialSid: sid)?.0 == before)
            #expect(try await api.get("/v1/Credentials/\(sid)")["type"] == "apn")

            // The same key again (PKCS#8 this time) with the stored certificate: accepted, topic kept.
            let pkcs8 = try _RSA.Signing.PrivateKey(pemRepresentation: PushTestMaterial.certificateKeyPEM).pemRepresentation
            let updated = try await api.post("/v1/Credentials/\(sid)", [("PrivateKey", pkcs8)])
            #expect(updated.status == .ok, "\(updated.text)")
            let after = try await api.parley.pushCredentials.secret(credentialSid: sid)?.0
            #expect(after == .apnsCertificate(certificatePEM: PushTestMaterial.certificatePEM, privateKeyPEM: pkcs8, topic: "com.example.parley"))

            // Switching to FCM with a complete service account.
            let switched = try await api.post("/v1/Credentials/\(sid)", [("Type", "fcm"), ("Secret", "legacy-key")])
            #expect(switched["type"] == "fcm")
            #expect(try await api.parley.pushCredentials.secret(credentialSid: sid)?.0 == .legacyServerKey("legacy-key"))
        }
    }

    @Test func secretsAppearInNoResponseNoLogLineAndNotInTheDatabase() async throws {
        let log = CapturedLog()
        let p8 = P256.Signing.PrivateKey()
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        // Lines of key material that must never be seen again (PEM body lines, the legacy keys).
        let secrets =
            pemBody(p8.pemRepresentation) + pemBody(rsa) + pemBody(PushTestMaterial.certificateKeyPEM) + ["legacy-SECRET-4711", "gcm-SECRET-0815"]
        try await withOpsParley(logger: log.logger()) { api in
            var responses: [TestResponse] = []
            responses.append(try await api.post("/v1/Credentials", Self.apnsTokenForm(p8)))
            responses.append(try await api.post("/v1/Credentials", [("Type", "fcm"), ("Secret", try Self.serviceAccountJSON(privateKey: rsa))]))
            responses.append(try await api.post("/v1/Credentials", [
                ("Type", "apn"), ("Certificate", PushTestMaterial.certificatePEM), ("PrivateKey", PushTestMaterial.certificateKeyPEM),
            ]))
            responses.append(try await api.post("/v1/Credentials", [("Type", "fcm"), ("Secret", "legacy-SECRET-4711")]))
            let gcm = try await api.post("/v1/Credentials", [("Type", "gcm"), ("ApiKey", "gcm-SECRET-0815")])
            responses.append(gcm)
            // Refused requests echo nothing either.
            responses.append(try await api.post("/v1/Credentials", [("Type", "apn"), ("Certificate", PushTestMaterial.certificatePEM), ("PrivateKey", rsa)]))
            responses.append(try await api.post("/v1/Credentials", [("Type", "fcm"), ("Secret", "{" + (pemBody(rsa).first ?? ""))]))
            responses.append(try await api.post("/v1/Credentials/\(try #require(gcm["sid"]))", [("ApiKey", "gcm-SECRET-0815")]))
            responses.append(try await api.get("/v1/Credentials", [("PageSize", "50")]))
            for record in responses.last?.records ?? [] {
                responses.append(try await api.get("/v1/Credentials/\(try #require(record["sid"] as? String))"))
            }
            #expect(responses.filter { $0.status == .created }.count == 5)
            #expect(log.all.count > 0)

            for secret in secrets {
                for response in responses { #expect(!response.text.contains(secret), "response \(response.text)") }
                for line in log.all { #expect(!line.contains(secret), "log line \(line)") }
            }
            // The raw column: sealed text only.
            let stored = try await api.parley.store.strings("SELECT secret FROM push_credentials")
            #expect(stored.count == 5)
            for sealed in stored {
                #expect(sealed.hasPrefix("v1:"))
                for secret in secrets + ["ABC123DEFG", "TEAM123456", "push@parley-test"] { #expect(!sealed.contains(secret)) }
            }
        }
    }

    /// The default key file of a SQLite database (a PostgreSQL one has no file to sit beside: see `TestDeployment`).
    @Test func theKeyFileLivesBesideTheDatabaseAndNothingElseOpensTheSecrets() async throws {
        try await withParley(engine: .sqlite) { api in
            let created = try await api.post("/v1/Credentials", [("Type", "gcm"), ("ApiKey", "the-key")])
            let sid = try #require(created["sid"])
            let databasePath = try #require(api.parley.store.path)
            let keyFile = databasePath + ".secrets-key"
            let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect((attributes[.size] as? NSNumber)?.intValue == 32)

            let sealed = try #require(try await api.parley.store.strings("SELECT secret FROM push_credentials WHERE sid = ?", sid).first)
            // The right key opens it, and only for its own row.
            #expect(try PushSecretBox(keyFile: keyFile).open(sealed, credentialSid: sid) == .legacyServerKey("the-key"))
            #expect(throws: PushSecretBox.Failure.cannotOpen) {
                try PushSecretBox(keyFile: keyFile).open(sealed, credentialSid: SID.make(.credential))
            }
            // Another key (a copy of the database on a machine with its own key file) does not.
            #expect(throws: PushSecretBox.Failure.cannotOpen) {
                try PushSecretBox(key: SymmetricKey(size: .bits256)).open(sealed, credentialSid: sid)
            }
            // A missing key file is reported as such and not created by opening.
            let missing = FileManager.default.temporaryDirectory.appendingPathComponent("parley-missing-\(UUID().uuidString).secrets-key").path
            #expect(throws: PushSecretBox.Failure.self) { try PushSecretBox(keyFile: missing).open(sealed, credentialSid: sid) }
            #expect(!FileManager.default.fileExists(atPath: missing))
            // A base64 key file (e.g. `openssl rand -base64 32`) holding the same key opens it too.
            let base64File = missing + ".b64"
            defer { try? FileManager.default.removeItem(atPath: base64File) }
            let raw = try #require(FileManager.default.contents(atPath: keyFile))
            try Data((raw.base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: base64File))
            #expect(try PushSecretBox(keyFile: base64File).open(sealed, credentialSid: sid) == .legacyServerKey("the-key"))
        }
    }
}

/// The base64 lines of a PEM text (what would give a key away), without the BEGIN/END lines.
private func pemBody(_ pem: String) -> [String] {
    pem.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") && $0.count >= 16 }
}
