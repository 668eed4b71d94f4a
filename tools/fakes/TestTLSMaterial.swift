/// TLS material for the local push fakes: a test CA, a server certificate for `localhost`/`127.0.0.1` and an APNs-style
/// client certificate (subject UID `com.example.parley`), all signed by the CA and valid for 100 years (made once with
/// `openssl`, P-256). TEST KEYS ONLY: they are public in this repository and must never protect anything real.
public enum TestTLSMaterial {
    /// The test CA: the extra trust root the senders are given in tests and the bench.
    public static let caCertificatePEM = """
    -----BEGIN CERTIFICATE-----
    MIIBsTCCAVegAwIBAgIUGfSk/NJFsKvJ9y/FFsVLXzhYPMgwCgYIKoZIzj0EAwIw
    JTEjMCEGA1UEAwwaUGFybGV5IFRlc3QgQ0EgKHRlc3Qgb25seSkwIBcNMjYxMjA0
    MDcxMzQ4WhgPMjEyNjExMTAwNzEzNDhaMCUxIzAhBgNVBAMMGlBhcmxleSBUZXN0
    IENBICh0ZXN0IG9ubHkpMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEanel8eax
    lQeKnIP9dLd69O5FEiQCpgHtW0DMo/BmJPqa00wR9eh2DG2KftVg0qAkT+zmtgI3
    q6FtwlHMdjVGwaNjMGEwHQYDVR0OBBYEFP+Ug6f2JNbdO4gN7e+htfV1I+1NMB8G
    A1UdIwQYMBaAFP+Ug6f2JNbdO4gN7e+htfV1I+1NMA8GA1UdEwEB/wQFMAMBAf8w
    DgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIQDbDUbfI1ioujbVxV1L
    0m++yoVGXvtFFy78c0rm0XqnrgIgNcviSI0KWNSVeJmeKN/iHgUEhbllbFBIPoOx
    44lByE8=
    -----END CERTIFICATE-----
    """
    /// The fakes' server certificate (SAN `DNS:localhost`, `IP:127.0.0.1`), signed by the test CA.
    public static let serverCertificatePEM = """
    -----BEGIN CERTIFICATE-----
    MIIByzCCAXCgAwIBAgIUUXc9Uu1HxB25nUWeWmygZnmxPyAwCgYIKoZIzj0EAwIw
    JTEjMCEGA1UEAwwaUGFybGV5IFRlc3QgQ0EgKHRlc3Qgb25seSkwIBcNMjYxMjA0
    MDcxMzQ4WhgPMjEyNjExMTAwNzEzNDhaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZ
    MBMGByqGSM49AgEGCCqGSM49AwEHA0IABDbHrh04rHzds7gJ0b1aPhvHwlOeOqMd
    D8RGyHbIj7QKLzOOvo1qUSTG0F5bDZ6fOjowbgKdz/caFcPjIDCYc3+jgYwwgYkw
    GgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAkGA1UdEwQCMAAwCwYDVR0PBAQD
    AgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0GA1UdDgQWBBTpXAO0sde/FM3gpfEK
    EJT1GTMGvjAfBgNVHSMEGDAWgBT/lIOn9iTW3TuIDe3vobX1dSPtTTAKBggqhkjO
    PQQDAgNJADBGAiEAt0h8BwAXlYHTLq50IYsfp1QKr08Fm6eoCY1ghaGQZFECIQDt
    Vzn7Aee+ZUt+0VhK0YOusCPVb7oDChTZoyfCcMhpyg==
    -----END CERTIFICATE-----
    """
    /// The server certificate's private key (PKCS#8). Test only.
    public static let serverPrivateKeyPEM = """
    -----BEGIN PRIVATE KEY-----
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQDb6GvkWn0zGGjNE
    YmzP4LNfeD9KrVxDTT0AvIIvFdyhRANCAAQ2x64dOKx83bO4CdG9Wj4bx8JTnjqj
    HQ/ERsh2yI+0Ci8zjr6NalEkxtBeWw2enzo6MG4Cnc/3GhXD4yAwmHN/
    -----END PRIVATE KEY-----
    """
    /// An APNs-style client certificate for certificate auth, signed by the test CA (subject UID `com.example.parley`).
    public static let clientCertificatePEM = """
    -----BEGIN CERTIFICATE-----
    MIIB7TCCAZSgAwIBAgIUUXc9Uu1HxB25nUWeWmygZnmxPyEwCgYIKoZIzj0EAwIw
    JTEjMCEGA1UEAwwaUGFybGV5IFRlc3QgQ0EgKHRlc3Qgb25seSkwIBcNMjYxMjA0
    MDcxMzQ4WhgPMjEyNjExMTAwNzEzNDhaMFYxIjAgBgoJkiaJk/IsZAEBDBJjb20u
    ZXhhbXBsZS5wYXJsZXkxMDAuBgNVBAMMJ0FwcGxlIFB1c2ggU2VydmljZXM6IGNv
    bS5leGFtcGxlLnBhcmxleTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABH6DE6W+
    lYpHlv1V9kU9H7jVx2pfnAFeL+qQalMESdQMuAU9FRxkQIYFW65JJjm8B5p/PeqI
    b/H8kDHICOubEh2jbzBtMAkGA1UdEwQCMAAwCwYDVR0PBAQDAgeAMBMGA1UdJQQM
    MAoGCCsGAQUFBwMCMB0GA1UdDgQWBBQzR75mq6ZkfQfqcW+eyIt3CVIYcTAfBgNV
    HSMEGDAWgBT/lIOn9iTW3TuIDe3vobX1dSPtTTAKBggqhkjOPQQDAgNHADBEAiAx
    L8iisWU+vcH1hCM839de3SXlZd0DUE9lBwQuuICiMQIgTy92H2GHc6j2By9i5wcb
    riXtN31G8PhKPfiBXJQBiaM=
    -----END CERTIFICATE-----
    """
    /// The client certificate's private key (PKCS#8). Test only.
    public static let clientPrivateKeyPEM = """
    -----BEGIN PRIVATE KEY-----
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgk32tEpWu6+UKNftl
    2Zt21JJzFtyewnf8fDzE8JUgMzOhRANCAAR+gxOlvpWKR5b9VfZFPR+41cdqX5wB
    Xi/qkGpTBEnUDLgFPRUcZECGBVuuSSY5vAeafz3qiG/x/JAxyAjrmxId
    -----END PRIVATE KEY-----
    """
}
