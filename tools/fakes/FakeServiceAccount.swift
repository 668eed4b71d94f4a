import Foundation

/// A Google service account for the fake FCM: the JSON file's fields, and the key pair the fake verifies the grant with.
/// The keys below are TEST keys made once with `openssl genpkey -algorithm RSA` for these fakes; they protect nothing.
public struct FakeServiceAccount: Sendable {
    public var projectId: String
    public var clientEmail: String
    /// The RSA private key, PKCS#8 PEM, as in a real service-account file.
    public var privateKeyPEM: String
    /// Where the grant goes (the fake's `/token`).
    public var tokenURI: String

    public init(projectId: String = "parley-test", clientEmail: String = "pusher@parley-test.iam.gserviceaccount.com",
                privateKeyPEM: String = FakeServiceAccount.testKeyPEM, tokenURI: String) {
        self.projectId = projectId
        self.clientEmail = clientEmail
        self.privateKeyPEM = privateKeyPEM
        self.tokenURI = tokenURI
    }

    /// The service-account JSON, as Google's console downloads it (what goes in an fcm credential's `Secret`).
    public var json: String {
        let object: [String: String] = [
            "type": "service_account", "project_id": projectId, "private_key_id": "0123456789abcdef", "private_key": privateKeyPEM + "\n",
            "client_email": clientEmail, "client_id": "100000000000000000000", "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": tokenURI,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A test RSA key (2048 bits); the fake knows its public half.
    public static let testKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDF8AenjRL/CaKs
xLntzCS7VEnn/E5gC1Pj8Avc8jjmbIGACXHH4r6XQVAwxudnH65eDbhpv3ea1ojP
wZbyL6ssq0MeKxEI+vneZI4Nk3NRf8UDxhHdmYGqfoWGSJI/24rV9CSTPjvKqC3j
EA6V61wAhuDAJWfczIYVdZb0iQZh9Nr8N8WG+wbG+xWJRUwRuCWiPW2Wk6LLKIC4
UU0WT+pxI6F3NGPuKsAdB1DT4iziX1SvOACV+81GLFpCEMS8HeBQ1ISVakSPXptR
dZNbbWcFG1peueyRia49Q/wvtBfq3nteQ5G0POzT4JECNDy9gyuzIziDdrwYMRFJ
1IN7RPQDAgMBAAECggEABON/iSqNyFJuxH4TxAt6AsU7Zv6PQA571SurKGfe+weK
S+2euGzQdx4WrXBlQS6KoZRiCbi3hJ501httr3ibMboSU8zabwXH2GtUgE68n6E+
mLzUlP8tsSwBqehINknhEGINg3iKL3F4psumoRqtyiFoil/1VWAY/BX2+ajV63yp
Qv5citWMDKIxZDJRbWWcSk7MwcgCqP24nNvAVjpw+le9KVArqmDrMhdmpTuYS9jU
Oz1M3A2fRFRBkJAEjPM5A9XBz9LCSdsr+avKlYgjPXLI9PxjwLh/hQ8UoMFY5SJK
L5VqJLNPaRPUB2xGnYgP0oM+Nn5cjNiXvx2grnodnQKBgQDjAD4yADmyNp4U938s
DvHOmAU/xPVCDeousxvyPYc2fs0+2yt+jHw4EHPlVnMJ69V8HBtb7KOQAL6Al3FY
3Rj/5lNuH5Bp2orZRt4opo2TLK7ju1xyFwH89SNUyOSP+uMCBTs9bn+IUCG4J8dC
UwlHAS/s/vrEL9IWQ28jvKrjtwKBgQDfOU9rN8R25zIp7e+6Nm8LRMwpnWO0iVQP
rng66vx2Oa4OjllZYf1yJILQDrDSACPSVRfUgEuFLtBqVgbYGpXrHTzl+5QL9wck
009YkpvK19hXnLRf+vDsrUprl1EAd6nNpR33WiZJYcW0cUFLS/yjsN6tfEOavaan
Wkw0yb3qFQKBgHs1H4zeCHLNKEIzD0hnmCFM69Rv37qJeOj9+BYkBSaz7kzGgrX+
JFH9xBnfMTNaWJYzXzoml6RKcxuylyfnYXFLn07vPN/naWODDoO72q3eG9KpWATo
rgCRQSr8mun2/42SL1QpjHj9HUAp/wHltexfHZch0hP37Kx+z2zzM0HDAoGALRYR
QXGpH+8AhdGGKxFVimwh5IHiopNeRDCUHipaRbLOwifkShZtr4FKXqWo9zGKCrCf
OI+VMVhMRj4L8dgk0bE9HKKcu3HwonJ/wz8Rcn34N3HySLSRtuwlbOfKN5Lz3BJu
pAg0VXwHB7QcYQ3/ADz4LQg9S2Lk50Zov/zDfCUCgYBlDXLchkkMGGHph4vMewla
fHK4cUymHKunxABOMrIJBl/UUTWDuaT3dGAVgDqj/WLPQS02XqlzVP7rera8V9l+
EvtJk8jkUb+LBUj66/vmO9qk28+xTt9iEFQNOIoho7EuET2YsjDzPIPjZh8K9CTc
XPJEoS4kPl+YVst/BfVFgA==
-----END PRIVATE KEY-----
"""

    /// Another test RSA key, which the fake does not know: a grant signed with it is refused (`invalid_grant`).
    public static let otherKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC9N49GqqUPXs+B
UAHxXoFjHrT3MfN6p7Rpx+1q8nl+ydWAorG+llDLejG3XA1BMVCkA2OcElZA/Apk
/85qeMAlPzdmhoOncdw/SDY7wzz6zRoLLC6lYQKtSkQty0XYmMS9sOsIRSyfuJ+V
oGE8UfQu5L0qlQww5GdH6XJaiFXdQq5ejYfO8Ov4rxngagApzS6m3rEwDHoo1Y1F
eeZU+WX/TCBGTh4dXxYv+w14dRw0UQCCeFG3+vsYLJWJq/Dr0Gp9Ssv5axwajvDI
eWK/EEUbCj4BTY470vp7qf07fgTlFw0YJDXh/t6VGW727uA1t2RaoKbapF4797LT
hFj6slU/AgMBAAECggEABce2tr/rvuZ0jEy3YnoylaaQfKSn/W02E60p0YSKtZbQ
0Ncnetz4pt6aujEzrnQlNH1uA4yD2gRZBPDTi2kY5Ypi1NzzFKBjzAMWtQinyjmN
vB2jZyXpgQWtw4BcJ9uy1uCarWv/ivmG1nlJvx/5x5zxMmXPM4cmqIm3FpDnnpSn
T/+NvBlskWNVy5wtzFf8AUSQ5Neu83+oYeZX5hUAQXkdNcMy+/VPVXdUSvAWMvK6
XvtI9MnzSzIRxQwHuXGM8gDOaUT8ptrvxRf8t8Sbgszz21ywT8LgD5qcFx+uQRBd
+YYsaVdW0l77H70V8PpDvnFd5EQq537iYtPJnYA5YQKBgQD8jOBWVBcUtb7/eQOP
z3QK/WdVHi5cvj+sKYwXWq/FV8JDjMOeKJDnecogPGxNULaHIJ0SWsQGCEYuEU1z
ZDNu7AyR8m6BDYL7iesGYVeaen9ii9SCTaZOsgeBH9OozQdGhl25YX8vp7ME5Ywy
RSKLEyBcxY9BtvF3tK1IwJKziQKBgQC/zTfXPx1Fo58i+nTWEoMJanrrXLoU01zd
EuKU3o1bSYFV1eBVnEfAYv1MFNtlY95VXASvoFwHlbxWtD0lHAmfz+6jIOTU3o3L
z1ah9bg/SkwdqApZ3/TxCHZHtu53noDwA5AFYx68Q1r4bOpDzD1KvUHYUrWRsY0F
9mkJabZohwKBgQCmORbi2yAB6omW3pCAk/t9zEG53U6IjlOcPhBNwsuT6OocycZr
D6ooIJnv07U4whoRIF8hmIoSqll+sra2b0oHBOhVGyquWDVQ1/rPzTv6mgvD0eMC
DJecjkKwM0F9hcz3FzMS89/hftAuNeOrpqNQxDr1tLZQe1e9ATdYfh9QeQKBgBu0
zls2j8jugN9xpI0D8Y/bpNP4+hxmB+UbhEWS/IJyVM+MbLKRN8AvzH1ACg1UZtqX
x0mDdafW1nUD5k1FBpLiW4uPBd9GIt+NHOuabjoeRm6GRrCC7IQg/80OPNZkvCVv
rk9I6Tiy1iJKwXB3wWbZffh8wiPArSluVe/5KFNjAoGBAPYhHhDbMiZL9UoyfjiZ
dUu+NPYnwK9Sv9dSfuSL+ppvLqifRcaJD1iPknqtR9D2nibsJ1WXLoMfN+gV3mXh
Akmdf7aN9OVdK87PrCaiC05UJtHaIScGkTpUiv3AexqEv1mJVn+FSR8irGl1iNgc
Bkca+3LGDEB2Ck52gG0pI86U
-----END PRIVATE KEY-----
"""
}
