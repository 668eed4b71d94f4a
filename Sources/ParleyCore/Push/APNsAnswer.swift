import Foundation

/// How an APNs answer becomes a `PushOutcome`: 200 delivered; 410, or 400 `BadDeviceToken` / `Unregistered` /
/// `DeviceTokenNotForTopic`: the device address is gone; 429 and 5xx: try again (after `Retry-After` when given); 403
/// `InvalidProviderToken` / `ExpiredProviderToken`: the provider token is bad (`APNsSender` makes a new one and tries
/// once more); any other answer: failed for good.
enum APNsAnswer {
    /// The 400 reasons that mean the device token is not (or no longer) valid for this app.
    static let unregisteredReasons: Set<String> = ["BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"]
    /// The 403 reasons that a new provider token may cure.
    static let providerTokenReasons: Set<String> = ["InvalidProviderToken", "ExpiredProviderToken"]

    /// `reason` from APNs' JSON error body (`{"reason": "BadDeviceToken"}`), nil when there is none.
    static func reason(in body: Data) -> String? {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["reason"] as? String
    }

    static func outcome(status: Int, reason: String?, retryAfter: String?) -> PushOutcome {
        let described = reason ?? "HTTP \(status)"
        switch status {
        case 200:
            return .delivered
        case 410:
            return .unregistered(statusCode: status, reason: described)
        case 400 where reason.map(unregisteredReasons.contains) == true:
            return .unregistered(statusCode: status, reason: described)
        case 429, 500...599:
            return .retry(statusCode: status, reason: described, after: RetryAfter.parse(retryAfter))
        default:
            return .failed(statusCode: status, reason: described)
        }
    }

    /// Whether the answer is APNs refusing the provider token itself.
    static func isProviderTokenRefusal(status: Int, reason: String?) -> Bool {
        status == 403 && reason.map(providerTokenReasons.contains) == true
    }
}
