import Foundation
import ParleyHTTP
import Testing

/// The fuzzer's cut of Twilio's OpenAPI description (tools/fuzz/parley-openapi.json, made by tools/fuzz/spec.py from
/// `parley routes`) must list exactly what the router serves: a new route without a regenerated cut fails here.
@Suite struct FuzzCutTests {
    static let cutFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/fuzz/parley-openapi.json")

    /// `/v1/Conversations/:conversationSid` and `/v1/Conversations/{Sid}` alike become `/v1/Conversations/{}`.
    static func shape(_ method: String, _ path: String) -> String {
        let segments = path.split(separator: "/").map { segment in
            segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}")) ? "{}" : String(segment)
        }
        return "\(method.uppercased()) /\(segments.joined(separator: "/"))"
    }

    @Test func theCommittedCutCoversExactlyTheServedRoutes() throws {
        let served = Set(try servedRoutes().map { Self.shape($0.method, $0.path) })
        #expect(served.contains("GET /v1/Conversations/{}/Webhooks/{}"), "the router's own table is read")
        let cut = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.cutFile)) as? [String: Any])
        let paths = try #require(cut["paths"] as? [String: [String: Any]])
        let fuzzed = Set(paths.flatMap { path, item in
            item.keys.filter { ["get", "post", "delete", "put", "patch"].contains($0) }.map { Self.shape($0, path) }
        })
        let unfuzzed = Set((cut["x-parley-not-in-spec"] as? [String] ?? []).map { line in
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            return Self.shape(parts[0], parts.count > 1 ? parts[1] : "")
        })
        let regenerate = "regenerate the cut: swift build && tools/fuzz/spec.py"
        #expect(fuzzed.subtracting(served).sorted() == [], "fuzzed but not served; \(regenerate)")
        #expect(served.subtracting(fuzzed.union(unfuzzed)).sorted() == [], "served but neither fuzzed nor listed as not in the spec; \(regenerate)")
        #expect(unfuzzed.subtracting(served).sorted() == [], "listed as served but not served; \(regenerate)")
        #expect(fuzzed.isDisjoint(with: unfuzzed))
    }
}
