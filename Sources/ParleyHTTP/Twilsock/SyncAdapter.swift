import Foundation
import ParleyCore

/// Sync as the SDK reads it through the tunnel (`active_grant: data_sync`): `GET /v3/{Maps|Lists|Documents}/{name}`
/// and `…/Items`. Read-only: the projections change when Parley's tables do, so a write is refused (403).
/// `POST /v4/Subscriptions` is the connection's (it needs its subscriptions), see `TwilsockConnection`.
struct SyncAdapter: Sendable {
    let reader: SyncReader

    /// Answers one request whose path starts with `v3`; nil for a path it does not serve.
    func handle(_ request: TunnelledRequest) async throws -> TunnelledResponse? {
        let path = request.segments
        guard path.count >= 3, let kind = SyncObject.Kind(collection: path[1]) else { return nil }
        guard request.method == "GET" else {
            throw TwilsockRefusal(TwilioError(status: .forbidden, code: 54007, message: "Sync objects projected by Parley are read-only"))
        }
        guard let object = SyncObject(name: path[2]), object.kind == kind else {
            throw TwilsockRefusal(TwilioError(status: .notFound, code: 54100, message: "The requested Sync object \(path[2].prefix(128)) was not found"))
        }
        switch path.count {
        case 3: return .ok(try await reader.descriptor(object).body)
        case 4 where path[3] == "Items" && kind != .document: return .ok(try await reader.items(object, params: request.params))
        default: return nil
        }
    }
}

/// A refusal already in Twilio's shape (codes of Sync's own, which `ParleyError` does not have).
struct TwilsockRefusal: Error {
    var error: TwilioError
    init(_ error: TwilioError) { self.error = error }
}
