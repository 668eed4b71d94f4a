import Foundation

/// An APNs client certificate (PEM), read just far enough to check a credential: its DER parses as an X.509
/// certificate, its subject's UID (OID 0.9.2342.19200300.100.1.1) is the app's bundle id (the `apns-topic`), and its
/// SubjectPublicKeyInfo tells whether a private key belongs to it. A small DER walker, so no X.509 dependency.
struct APNsCertificate {
    /// The certificate's subject UID: Apple puts the bundle id there. Nil when the subject has none.
    let subjectUID: String?
    /// The DER of the SubjectPublicKeyInfo, comparable with a key's public `derRepresentation`.
    let subjectPublicKeyInfo: Data

    private static let uidOID: [UInt8] = [0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x01]

    /// Reads the first `CERTIFICATE` block of `pem`; nil when there is none or it is not a certificate.
    init?(pem: String) {
        guard let der = Self.firstBlock(of: pem, label: "CERTIFICATE"),
            let certificate = DERElement.read(der[...]), certificate.tag == 0x30,
            let tbs = certificate.children.first, tbs.tag == 0x30
        else { return nil }
        // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
        var fields = tbs.children[...]
        if fields.first?.tag == 0xA0 { fields = fields.dropFirst() }
        let tags = fields.prefix(6).map(\.tag)
        guard tags == [0x02, 0x30, 0x30, 0x30, 0x30, 0x30] else { return nil }
        let subject = fields[fields.startIndex + 4]
        let spki = fields[fields.startIndex + 5]
        self.subjectPublicKeyInfo = spki.encoded
        self.subjectUID = Self.uid(in: subject)
    }

    /// The base64 body of the first PEM block with `label`, decoded.
    static func firstBlock(of pem: String, label: String) -> Data? {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = pem.range(of: begin), let stop = pem.range(of: end, range: start.upperBound..<pem.endIndex) else { return nil }
        let body = pem[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)), !data.isEmpty else { return nil }
        return data
    }

    /// Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }: the value of the UID attribute.
    private static func uid(in name: DERElement) -> String? {
        for set in name.children where set.tag == 0x31 {
            for attribute in set.children where attribute.tag == 0x30 {
                let parts = attribute.children
                guard parts.count == 2, parts[0].tag == 0x06, Array(parts[0].content) == uidOID else { continue }
                return String(data: parts[1].content, encoding: .utf8)
            }
        }
        return nil
    }
}

/// One DER TLV: its tag, content, the whole encoding, and (for constructed tags) its child elements.
struct DERElement {
    let tag: UInt8
    let content: Data
    let encoded: Data

    var children: [DERElement] {
        guard tag & 0x20 != 0 else { return [] }
        var elements: [DERElement] = []
        var rest = content[...]
        while !rest.isEmpty {
            guard let element = DERElement.read(rest) else { return [] }
            elements.append(element)
            rest = rest.dropFirst(element.encoded.count)
        }
        return elements
    }

    /// The element at the start of `bytes`; nil when it is truncated or uses a form DER does not allow.
    static func read(_ bytes: Data.SubSequence) -> DERElement? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        let tag = bytes[index]
        guard tag & 0x1F != 0x1F else { return nil }  // multi-byte tags do not occur in certificates' structure
        index += 1
        guard index < bytes.endIndex else { return nil }
        var length = Int(bytes[index])
        index += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count), bytes.endIndex - index >= count else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
        }
        guard bytes.endIndex - index >= length else { return nil }
        return DERElement(tag: tag, content: Data(bytes[index..<index + length]), encoded: Data(bytes[bytes.startIndex..<index + length]))
    }
}
