import Foundation
import ParleyCore
import Testing

/// Channel media sent by URL: fetched into Parley's storage when it can be, kept as a reference when it cannot.
struct RemoteMediaTests {
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47] + [UInt8](repeating: 1, count: 2000)

    @Test func fetchedMediaIsStoredAndUnfetchableMediaIsKeptAsAReference() async throws {
        let files: [String: RemoteFileServer.File] = [
            "/media/cat.png": .init(contentType: "image/png", bytes: png),
            "/media/gone": .init(status: .notFound, contentType: "text/plain", bytes: Array("no".utf8)),
            "/media/tool.exe": .init(contentType: "application/x-msdownload", bytes: [1, 2, 3]),
            "/media/huge.png": .init(contentType: "image/png", bytes: [UInt8](repeating: 9, count: 5000)),
        ]
        try await withParley(mediaLimits: MediaLimits(maxItemBytes: 4000)) { api in
            let service = try await api.defaultServiceSid()
            try await RemoteFileServer.serving(files) { base in
                let media = api.parley.media
                let cat = try await media.importRemote(
                    .init(url: "\(base)/media/cat.png", contentType: "image/jpeg"), serviceSid: service, author: "+15551230000", outbound: loopbackAllowed)
                #expect(cat.sha256 != nil && cat.externalURL == nil)
                #expect(cat.size == Int64(png.count) && cat.contentType == "image/png" && cat.filename == "cat.png")
                #expect(try await api.download("/v1/Services/\(service)/Media/\(cat.sid)/Content").bytes == png)

                for (path, declared) in [("/media/gone", "image/png"), ("/media/tool.exe", nil), ("/media/huge.png", "image/png")] {
                    let kept = try await media.importRemote(.init(url: base + path, contentType: declared), serviceSid: service, author: "x", outbound: loopbackAllowed)
                    #expect(kept.sha256 == nil && kept.externalURL == base + path && kept.size == 0, "\(path)")
                    let content = try await api.download("/v1/Services/\(service)/Media/\(kept.sid)/Content")
                    #expect(content.status == .found && content.headers[.location] == base + path)
                }
                // Only the fetched file is on disk: the refused ones left no partial upload behind.
                #expect(try api.storedFiles().count == 1)
            }
        }
    }
}
