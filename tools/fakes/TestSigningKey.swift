import Crypto

/// An APNs-style `.p8` signing key made on the spot (P-256, PKCS#8 PEM) and its public half for `FakeAPNsConfiguration`.
public struct TestSigningKey: Sendable {
    public let privateKeyPEM: String
    public let publicKeyPEM: String

    public init() {
        let key = P256.Signing.PrivateKey()
        privateKeyPEM = key.pemRepresentation
        publicKeyPEM = key.publicKey.pemRepresentation
    }
}
