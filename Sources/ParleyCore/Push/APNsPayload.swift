import Foundation

/// The JSON body of an APNs push: `{"aps": {"alert": {"body": ...}, "sound": ..., "badge": n}, ...}` with Twilio's data
/// keys (`twi_message_type`, `conversation_sid`, `message_sid`, `twi_body`, ...) as custom keys at the top level, where
/// Twilio's iOS SDK reads them.
///
/// APNs refuses a body over 4 KB, so a longer one has its alert text (and `twi_body`, which repeats it) cut at a character
/// boundary and ended with "…" until it fits; only when the other keys alone are too large is there no payload.
enum APNsPayload {
    /// APNs' limit for a notification's body, in bytes.
    static let maximumSize = 4096

    /// The body, at most `maximumSize` bytes; nil when even empty texts do not fit.
    static func encode(_ notification: PushNotification, badge: Int?) -> Data? {
        var body = notification.body
        var twilioBody = notification.data["twi_body"]
        while true {
            let json = encode(notification, body: body, twilioBody: twilioBody, badge: badge)
            let overflow = json.count - maximumSize
            if overflow <= 0 { return json }
            // Cut both texts, each by its share of the overflow (JSON escapes only make the saving larger).
            let bodyBytes = body.utf8.count, twilioBytes = twilioBody?.utf8.count ?? 0
            guard bodyBytes + twilioBytes > 0 else { return nil }
            let bodyShare = (overflow * bodyBytes + bodyBytes + twilioBytes - 1) / (bodyBytes + twilioBytes)
            if bodyBytes > 0 { body = shortened(body, by: bodyShare) }
            if let text = twilioBody, twilioBytes > 0 { twilioBody = shortened(text, by: overflow - bodyShare) }
        }
    }

    private static func encode(_ notification: PushNotification, body: String, twilioBody: String?, badge: Int?) -> Data {
        var aps: [String: Any] = ["alert": ["body": body]]
        if let sound = notification.sound { aps["sound"] = sound }
        if let badge { aps["badge"] = badge }
        var object: [String: Any] = [:]
        for (key, value) in notification.data { object[key] = value }
        if let twilioBody { object["twi_body"] = twilioBody }
        object["aps"] = aps
        // Only strings, numbers and dictionaries of them: serialization cannot fail.
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// `text` without enough trailing characters to save `bytes` UTF-8 bytes plus the "…" (3 bytes) it then ends with.
    static func shortened(_ text: String, by bytes: Int) -> String {
        let ellipsis = "…"
        var kept = Substring(text)
        if kept.hasSuffix(ellipsis) { kept = kept.dropLast() }
        let target = max(0, text.utf8.count - bytes - ellipsis.utf8.count)
        while kept.utf8.count > target { kept = kept.dropLast() }
        return kept.isEmpty ? "" : kept + ellipsis
    }
}
