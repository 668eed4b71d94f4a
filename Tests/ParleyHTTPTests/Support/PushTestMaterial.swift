/// Push credential material for the tests, made once with openssl (a self-signed stand-in for an APNs certificate:
/// `openssl req -x509 -newkey rsa:2048 -subj "/UID=com.example.parley/CN=Apple Push Services: com.example.parley/..."`).
/// Test keys only: they sign nothing real.
enum PushTestMaterial {
    /// A certificate whose subject UID is `com.example.parley` (the APNs topic), RSA 2048.
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIID1TCCAr2gAwIBAgIUXPAamTTDdsEc0YlvsfNB4EjkeHUwDQYJKoZIhvcNAQEL
        BQAweTEiMCAGCgmSJomT8ixkAQEMEmNvbS5leGFtcGxlLnBhcmxleTEwMC4GA1UE
        AwwnQXBwbGUgUHVzaCBTZXJ2aWNlczogY29tLmV4YW1wbGUucGFybGV5MRQwEgYD
        VQQKDAtQYXJsZXkgVGVzdDELMAkGA1UEBhMCVVMwIBcNMjYxMjA0MDcyMTI3WhgP
        MjEyNjExMTAwNzIxMjdaMHkxIjAgBgoJkiaJk/IsZAEBDBJjb20uZXhhbXBsZS5w
        YXJsZXkxMDAuBgNVBAMMJ0FwcGxlIFB1c2ggU2VydmljZXM6IGNvbS5leGFtcGxl
        LnBhcmxleTEUMBIGA1UECgwLUGFybGV5IFRlc3QxCzAJBgNVBAYTAlVTMIIBIjAN
        BgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAucTgTgJmUr4aFIJMNeaC3Y0cISGj
        9ultRMTzYAymMIGFtIDy2eBiq9pzjb3TSUeRWbW+6hg1ER8z3+7tQgxHdJN2/lDo
        MkTdPOOXvh1mt5Al9dPCTmOTxXDN4WlROwWI2eyWddSXRiapKdIzVs5KwHPk/DSN
        sIS3OwYub/vE+3p1Jll4K+PaYdHCO6zYXlKwqiaBhOtv875LPIjXXyq5+1YI/xdy
        sJwlYZwikY4h//HsbkNnt2dRQPM1kRSyjQ9nFAXPFpAD7tEIuT9eu10d2USAsyXs
        ItC1zrCWzXUIf+dSjD2HXUnzxWiTov48bEI4QkUR1DR3bHzqziCwIz1dqQIDAQAB
        o1MwUTAdBgNVHQ4EFgQUNw/ZnKp/G+rSg7EUtjkIZElBeAAwHwYDVR0jBBgwFoAU
        Nw/ZnKp/G+rSg7EUtjkIZElBeAAwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0B
        AQsFAAOCAQEAKq2/6RAM+W4VraL6oscFobDzMZgIlhA/8VptJCWplxBFZY6kMeRx
        Uj56c+Wbp73gKlnnlLiyi1K1/x4V1X8pR2sgb6YIRyy/+ecDyRQNKMfb9za6lAZ0
        FD0MpwaCjx27hrlc7tAmS5kl8L53O4I3n41HZv530ZnTjsvdTzvzOQjVHnQmcSsX
        +UNJKv8WdzBDQhoQT1j6V0Z0a7uKYrTN/PQ77Z9HlHpGFFBBdlTjPuiOpKvu8EoV
        paspD1iLJx6WYJOXIPETB9acRPI+r9IjspAdHLBNjGYy0IUymTDhMAgWoSEBGgVb
        IOsiENpUEtMPmC1m4PDKyoFm9VgWs7yOHw==
        -----END CERTIFICATE-----
        """

    /// The certificate's private key, PKCS#1 (`BEGIN RSA PRIVATE KEY`, as Twilio's docs show it).
    static let certificateKeyPEM = """
        -----BEGIN RSA PRIVATE KEY-----
        MIIEogIBAAKCAQEAucTgTgJmUr4aFIJMNeaC3Y0cISGj9ultRMTzYAymMIGFtIDy
        2eBiq9pzjb3TSUeRWbW+6hg1ER8z3+7tQgxHdJN2/lDoMkTdPOOXvh1mt5Al9dPC
        TmOTxXDN4WlROwWI2eyWddSXRiapKdIzVs5KwHPk/DSNsIS3OwYub/vE+3p1Jll4
        K+PaYdHCO6zYXlKwqiaBhOtv875LPIjXXyq5+1YI/xdysJwlYZwikY4h//HsbkNn
        t2dRQPM1kRSyjQ9nFAXPFpAD7tEIuT9eu10d2USAsyXsItC1zrCWzXUIf+dSjD2H
        XUnzxWiTov48bEI4QkUR1DR3bHzqziCwIz1dqQIDAQABAoIBAAkSj7nU7YELqQ5o
        sVF4k9o/cqjo5wRqBgdzxEcOlxc2BtJNRzmozGjZibHZxssvZEPeAm2VsmccVQDn
        aaLuIpc+Px4l1BE7F8BKL+D9t+8tv7eFGK+SDBIlHjOXXHuQxkw4/RLSx8iJ9Cey
        DQZ88LL8IKod5EWYqweGQmz+/hx3RfAs5Cg7H4FLqsq8YYUJmp5sZfwxfUHKBiLe
        TbJDaVJi5IuenOrgIS0dWI2XbcvXoYaLx/vqwJANgfKqsN/AE88B49c5ThW9P2BC
        zSnbIxh6svcn4gNV53wDtKw/beCF9bduCfMREK2jQsvqf1ZLv5F1dXoAN9F8A2iN
        ESqD3jkCgYEA2/2a9vow+RVdUihTisMBxDFf63ExWru6yVZATMJ3oYOYs80gGYin
        OiXLLaXB9g4IEDx+4SuDBkKFMPLxWuyeAREHtzJpnfOwIVrPz9FocndCMonK2Nal
        Up/xQkt7J9+J/mOnM8VjTl3f5ar/d8rihVVccu3xf15JSjenKsKVofcCgYEA2C1D
        drTgK/g39qDuo2U1+FxGDAglCbShxhSjdsjDBM7Z1sfQzoGB87gRjnepxkOzyeQG
        p/NHKtRaV5K6tR5eBkPNm+GbBBq/qVdUaPL/GQtFKZgXbDHjY+HeQV5m6VJeALRq
        6ydBsAM9WpXVBfChZxx/ILqdeKOfvyZMzmi7FV8CgYAm8eSHKI+W6PNWYhE4FYGw
        i9UhRy6nk2hj0EMd06d+Dl/wJLY0Dv8byikH8bo+pwlCZpNHpX5Sk2Ak5D1aDV2D
        btJg2incbpGVtg/oCHhnGzm63K3uaUFnOS1qwRYSXv587INjJOSJsRC8BeOn/2DO
        nef56KnCFJ0A6I1NgpkezQKBgEHfOQl5AD4lutfaHh2H/7QYWffcm3yjoA/9xfmy
        H0rdxR9fb88dQ34CfscMy5zwkF5ar3SJ+wuf/Y9l1KLQCBKcopB3ZIcRp4lwZPY9
        5WG6P273O1vqr8GF1/XPUEiUorRQRaw2IBwEQLPTqD/RHT2QP2S3uLhEE69pekoD
        O869AoGAb3bVIY03GLBM/7UVzWfovrgm8s7yiPhPiBfYw3mOIhvhBqc7GsPL3o+A
        Y2VScRdGstQ8reUhNvRElD6bWa5N9lBMc3T2txNv39m1UA9kDIpgc5gG0zkYCPMh
        NPD1v2h+/K7Wf8cOYSozbMWqJvP/fT4PQxC4RBklBAZFn1ktCs0=
        -----END RSA PRIVATE KEY-----
        """

    /// A P-256 certificate with no UID in its subject.
    static let certificateWithoutUIDPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBpTCCAUugAwIBAgIUZ577GThAShdzs4SzHp+3Ngw1O8MwCgYIKoZIzj0EAwIw
        JzEPMA0GA1UEAwwGTm8gVUlEMRQwEgYDVQQKDAtQYXJsZXkgVGVzdDAgFw0yNjEy
        MDQwNzIxMjdaGA8yMTI2MTExMDA3MjEyN1owJzEPMA0GA1UEAwwGTm8gVUlEMRQw
        EgYDVQQKDAtQYXJsZXkgVGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDcH
        iCM46MJaFss9aVPK8XW1ZMkNQkKKWvpxLY0WzgJHVBG+m3tMeV53CT9t8mqtWLQU
        xJyjj7O1CCWMj+Nfe0ejUzBRMB0GA1UdDgQWBBT4gRR5JGU77a97y+wGvx8RDgVh
        0DAfBgNVHSMEGDAWgBT4gRR5JGU77a97y+wGvx8RDgVh0DAPBgNVHRMBAf8EBTAD
        AQH/MAoGCCqGSM49BAMCA0gAMEUCIQCH6o2LeMr9+iuHB02KrvdGOklq1JmKeERE
        JYwZwy6r5gIgdD1LP00CZkvby8j7TBPdJvOdoY3Rkrr5oOnd2QwWuo8=
        -----END CERTIFICATE-----
        """

    /// Its key, SEC1 (`BEGIN EC PRIVATE KEY`).
    static let certificateWithoutUIDKeyPEM = """
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEIHtxbfZg/612au5rH564THwfoEbNpDzelKdo9HkDCD0DoAoGCCqGSM49
        AwEHoUQDQgAENweIIzjowloWyz1pU8rxdbVkyQ1CQopa+nEtjRbOAkdUEb6be0x5
        XncJP23yaq1YtBTEnKOPs7UIJYyP4197Rw==
        -----END EC PRIVATE KEY-----
        """
}
