import Crypto
import Foundation

/// What makes a temporary content URL (`links.content_direct_temporary`) work without credentials, as Twilio's Media
/// Content Service hands out expiring URLs for an `<img src>`: an expiry and a signature over the Service, the media
/// SID and that expiry. It reads one media item's bytes until it expires and nothing else.
public struct MediaContentLink: Sendable, Equatable {
    /// The last second the link works.
    public let expires: Timestamp
    /// HMAC-SHA256 in lower-case hex (see `MediaContentLinkSigner`).
    public let signature: String

    public init(expires: Timestamp, signature: String) {
        self.expires = expires
        self.signature = signature
    }

    /// How long a link works after the Media resource that carries it was read: long enough to load a page, short enough
    /// that a leaked URL is soon worthless. Clients ask again (fetch the Media) for a fresh one.
    public static let lifetimeSeconds: Int64 = 300
}

/// Signs and checks `MediaContentLink`s with a key derived from the account's auth token: it is in the database, so
/// it survives restarts and is the same on every node sharing the database, and no new secret needs keeping. The
/// trade-off: changing the auth token invalidates the links outstanding (for at most `lifetimeSeconds`).
struct MediaContentLinkSigner {
    private let key: SymmetricKey

    init(authToken: String) {
        // A key of its own (HMAC of a fixed label), so a link's signature is never a signature over Twilio's formats.
        let derived = HMAC<SHA256>.authenticationCode(for: Data("parley media content link v1".utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        key = SymmetricKey(data: Data(derived))
    }

    func link(serviceSid: String, mediaSid: String, expires: Timestamp) -> MediaContentLink {
        let mac = HMAC<SHA256>.authenticationCode(for: Self.message(serviceSid, mediaSid, expires), using: key)
        return MediaContentLink(expires: expires, signature: mac.map { String(format: "%02x", $0) }.joined())
    }

    /// Whether `link` was signed for this media; compared in constant time.
    func isValid(_ link: MediaContentLink, serviceSid: String, mediaSid: String) -> Bool {
        guard let mac = Self.bytes(hex: link.signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.message(serviceSid, mediaSid, link.expires), using: key)
    }

    private static func message(_ serviceSid: String, _ mediaSid: String, _ expires: Timestamp) -> Data {
        Data("\(serviceSid)\n\(mediaSid)\n\(expires.secondsSince1970)".utf8)
    }

    /// 32 bytes from 64 lower-case hex digits (as `link` writes them); nil for anything else.
    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * SHA256.byteCount else { return nil }
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
