import Foundation
import Hummingbird
import ParleyCore

/// `POST /v1/Services/{ChatServiceSid}/MediaSet`: several Media records in one call, as Twilio's media client asks for
/// them (`{"command": "get", "list": [{"media_sid": "ME…"}, …]}`, the configuration's `media_set_service`). The answer
/// is a JSON array, one `{"code", "media_record"}` per SID in the order asked: 200 with the record (and a fresh
/// temporary content URL), or the error's status with just the SID, so one missing item does not hide the others.
struct MediaSetController: Sendable {
    let parley: Parley
    /// The most SIDs one call may name (a message holds at most 10 media).
    static let maximumItems = 100

    func register(on routes: Routes) {
        routes.add("MediaSet", post: get)
    }

    @Sendable func get(_ request: Request, _ context: ParleyRequestContext) async throws -> Response {
        let caller = try context.mediaCaller()
        let serviceSid = try context.pathParameter("chatServiceSid")
        let sids = try await Self.requestedSids(request)
        let renderer = try context.renderer()
        let items: [JSONValue] = try await parley.media.fetchSet(caller, serviceSid: serviceSid, sids: sids).map { sid, result in
            switch result {
            case .success(let found):
                return .object([("code", .int(200)), ("media_record", renderer.media(found.media, temporaryLink: found.link))])
            case .failure(let error):
                return .object([("code", .int(Int64(TwilioError(error).status.code))), ("media_record", .object([("sid", .string(sid))]))])
            }
        }
        return JSONResponse.make(status: .ok, .array(items))
    }

    /// The SIDs of a `get` command; anything else is a 400.
    private static func requestedSids(_ request: Request) async throws -> [String] {
        let body = try await request.body.collect(upTo: 64 * 1024)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else {
            throw ParleyError.invalidParameter(name: "body", reason: "must be a JSON object with command and list")
        }
        guard object["command"] as? String == "get" else {
            throw ParleyError.invalidParameter(name: "command", reason: "must be get")
        }
        guard let list = object["list"] as? [[String: Any]], !list.isEmpty, list.count <= maximumItems else {
            throw ParleyError.invalidParameter(name: "list", reason: "must hold 1 to \(maximumItems) items")
        }
        return try list.map { item in
            guard let sid = item["media_sid"] as? String, !sid.isEmpty, sid.utf8.count <= 64 else {
                throw ParleyError.invalidParameter(name: "media_sid", reason: "each item needs a media_sid")
            }
            return sid
        }
    }
}
