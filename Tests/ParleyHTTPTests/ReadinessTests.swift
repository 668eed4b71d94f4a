import Foundation
import Hummingbird
import ParleyCore
import ParleyHTTP
import Testing

/// `/readyz` follows the write path: a write the storage refused, or too little free disk, makes the node unready.
@Suite struct ReadinessTests {
    /// SQLite's `max_page_count` makes the database full for real: the next write that needs a page fails with
    /// SQLITE_FULL, as on a full disk, while `BEGIN IMMEDIATE` still succeeds.
    @Test func aWriteRefusedForWantOfSpaceMakesTheNodeUnreadyUntilWritesCommitAgain() async throws {
        try await withOpsParley { api in
            let probe = api.authenticated(as: nil)
            #expect(try await probe.get("/readyz").status == .ok)
            let pages = try #require(try await api.parley.store.writerPragma("page_count"))
            _ = try await api.parley.store.writerPragma("max_page_count = \(pages)")
            let attributes = #"{"filler":"\#(String(repeating: "x", count: 15_000))"}"#
            let refused = try await api.post("/v1/Conversations", [("FriendlyName", "too big"), ("Attributes", attributes)])
            #expect(refused.status == .serviceUnavailable, "\(refused.text)")
            #expect(refused.code == 20503)
            let unready = try await probe.get("/readyz")
            #expect(unready.status == .serviceUnavailable)
            #expect(unready.text.contains("the last write failed"), "\(unready.text)")

            _ = try await api.parley.store.writerPragma("max_page_count = 1073741823")
            #expect(try await api.post("/v1/Conversations", [("FriendlyName", "fits again"), ("Attributes", attributes)]).status == .created)
            #expect(try await probe.get("/readyz").status == .ok)
        }
    }

    @Test func tooLittleFreeDiskSpaceMakesTheNodeUnready() async throws {
        var settings = ServerSettings(publicURL: TestCredentials.publicURL)
        settings.minimumFreeDiskBytes = Int64.max / 2
        try await withOpsParley(settings: settings) { api in
            let unready = try await api.authenticated(as: nil).get("/readyz")
            #expect(unready.status == .serviceUnavailable)
            #expect(unready.text.contains("free disk space"), "\(unready.text)")
        }
    }
}
