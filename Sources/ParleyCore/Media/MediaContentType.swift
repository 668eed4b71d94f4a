/// A media type as Parley stores and serves it: one `type/subtype` pair of RFC 9110 tokens, lower-cased, with no
/// parameters but a `charset` on `text/*`. Parsing refuses lists (`image/png, text/html`), stray spaces and malformed
/// parameters, so the type that was checked against the allow-list is the type that is stored and served.
public struct MediaContentType: Sendable, Hashable, CustomStringConvertible {
    public let type: String
    public let subtype: String
    /// Kept for `text/*` only, lower-cased; every other parameter is dropped.
    public let charset: String?

    /// `type/subtype`, without parameters.
    public var essence: String { "\(type)/\(subtype)" }

    /// The stored form: the essence, plus `; charset=…` for text.
    public var description: String { charset.map { "\(essence); charset=\($0)" } ?? essence }

    /// Parses a `Content-Type` value (`media-type = type "/" subtype *( OWS ";" OWS [ parameter ] )`, RFC 9110 §8.3.1);
    /// nil for anything else.
    public init?(parsing text: String) {
        var scanner = Scanner(Array(text.utf8))
        scanner.skipWhitespace()
        guard let type = scanner.token(), scanner.take(UInt8(ascii: "/")), let subtype = scanner.token() else { return nil }
        guard type.count <= 127, subtype.count <= 127 else { return nil }
        var charset: String?
        scanner.skipWhitespace()
        while scanner.take(UInt8(ascii: ";")) {
            scanner.skipWhitespace()
            if scanner.atEnd || scanner.peek == UInt8(ascii: ";") { continue }
            guard let name = scanner.token(), scanner.take(UInt8(ascii: "=")), let value = scanner.token() ?? scanner.quotedString() else {
                return nil
            }
            if name.lowercased() == "charset" { charset = value.lowercased() }
            scanner.skipWhitespace()
        }
        guard scanner.atEnd else { return nil }
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.charset = self.type == "text" ? charset.flatMap(Self.saneCharset) : nil
    }

    /// Whether a browser may run script in content of this type when it renders it as a document: HTML, XML (SVG and
    /// every other `+xml`), XSL, JavaScript. An allow-list family (`image/*`) never admits these; listing one exactly does.
    public var isScriptable: Bool {
        subtype == "xml" || subtype.hasSuffix("+xml") || subtype.contains("html") || subtype.contains("javascript")
            || subtype.contains("ecmascript") || subtype.contains("jscript") || subtype.hasSuffix("xsl") || subtype == "xslt"
            || essence == "application/x-shockwave-flash" || essence == "multipart/x-mixed-replace"
    }

    /// Whether content of this type is safe to display inside a page (`Content-Disposition: inline`): raster images,
    /// audio, video and plain text. Everything else (PDF, office documents, archives, SVG) is served as a download.
    public var isSafeInline: Bool {
        switch type {
        case "image": Self.rasterImages.contains(subtype)
        case "audio", "video": !isScriptable
        case "text": subtype == "plain"
        default: false
        }
    }

    static let rasterImages: Set<String> = ["png", "jpeg", "jpg", "pjpeg", "gif", "webp", "avif", "bmp", "heic", "heif", "apng", "x-icon"]

    private static let charsetPunctuation = Set("-_.:+".utf8)

    /// A charset name as registered (letters, digits, `-_.:+`, at most 40): anything else is dropped.
    private static func saneCharset(_ value: String) -> String? {
        let allowed = value.utf8.allSatisfy { byte in
            Scanner.isAlphanumeric(byte) || charsetPunctuation.contains(byte)
        }
        return allowed && !value.isEmpty && value.utf8.count <= 40 ? value : nil
    }

    /// Reads RFC 9110 tokens and quoted strings from bytes, left to right.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        mutating func skipWhitespace() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
        }

        /// `token = 1*tchar`.
        mutating func token() -> String? {
            let start = index
            while let byte = peek, Self.isTokenCharacter(byte) { index += 1 }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`, unescaped; nil (and nothing read) when malformed.
        mutating func quotedString() -> String? {
            let start = index
            guard take(UInt8(ascii: "\"")) else { return nil }
            var value: [UInt8] = []
            while let byte = peek, byte != UInt8(ascii: "\"") {
                index += 1
                let character = byte == UInt8(ascii: "\\") ? peek : byte
                if byte == UInt8(ascii: "\\") { index += 1 }
                guard let character, character == 0x09 || (character >= 0x20 && character != 0x7F) else {
                    index = start
                    return nil
                }
                value.append(character)
            }
            guard take(UInt8(ascii: "\"")) else {
                index = start
                return nil
            }
            return String(decoding: value, as: UTF8.self)
        }

        static func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }

        /// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`.
        static func isTokenCharacter(_ byte: UInt8) -> Bool {
            isAlphanumeric(byte) || tokenPunctuation.contains(byte)
        }

        static let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)
    }
}
