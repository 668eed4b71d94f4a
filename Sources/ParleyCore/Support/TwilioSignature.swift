import Crypto
import Foundation

/// Twilio's request signature, `X-Twilio-Signature`: Base64 of HMAC-SHA1, keyed with the account's auth token, over the
/// full URL followed by every form parameter's name and value, sorted by name. Inbound webhooks are checked with it and
/// outbound webhooks carry it, so the official helper libraries' `RequestValidator` accepts what Parley sends.
public enum TwilioSignature {
    /// The signature of a request to `url` with `parameters` (the form body of a POST; empty for a GET, whose query
    /// is part of `url`).
    public static func compute(url: String, parameters: [(name: String, value: String)], authToken: String) -> String {
        var signed = url
        // Sorted by name, then value, as the helper libraries do for repeated names.
        for parameter in parameters.sorted(by: { ($0.name, $0.value) < ($1.name, $1.value) }) {
            signed += parameter.name + parameter.value
        }
        let key = SymmetricKey(data: Data(authToken.utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(signed.utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// Whether `signature` is the one `compute` gives; compared in constant time.
    public static func isValid(
        _ signature: String, url: String, parameters: [(name: String, value: String)], authToken: String
    ) -> Bool {
        let expected = Array(compute(url: url, parameters: parameters, authToken: authToken).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
