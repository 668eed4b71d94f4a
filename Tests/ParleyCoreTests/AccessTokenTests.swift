import Foundation
import PostgresTestSupport
import JWTKit
import Testing
@testable import ParleyCore

/// Access tokens: what the helper libraries mint is accepted, and every other kind of token is refused with the
/// error (and so the Twilio code) of its own case.
@Suite struct AccessTokenTests {
    /// The moment every test runs at.
    static let now: Int64 = 1_800_000_000

    /// A parley with a fixed clock, one account (with its default Service) and one API key of that account.
    struct Fixture {
        let parley: Parley
        let account: Account
        let key: APIKey

        init() async throws {
            let store = try await TestEngine.migratedStore(sqlitePath: nil)
            parley = Parley(store: store, now: { Timestamp(secondsSince1970: AccessTokenTests.now) })
            account = try await parley.accounts.bootstrap().account
            key = try await parley.accounts.createAPIKey(accountSid: account.sid, friendlyName: "test")
        }

        var principal: Principal { Principal(accountSid: account.sid, credentialSid: account.sid) }
        var defaultServiceSid: String { account.configuration.defaultChatServiceSid! }

        /// Claims as the helper libraries write them, issued at `issuedAt`.
        func claims(identity: String? = "alice", serviceSid: String? = nil, issuedAt: Int64 = AccessTokenTests.now, ttl: Int64 = 3600)
            -> AccessTokenClaims
        {
            AccessTokenClaims(
                jti: "\(key.sid)-\(issuedAt)", iss: key.sid, sub: account.sid, exp: issuedAt + ttl, nbf: issuedAt,
                grants: .init(identity: identity, chat: .init(serviceSid: serviceSid)))
        }

        func sign(_ claims: AccessTokenClaims, secret: String? = nil, header: JWTHeader = ["cty": .string(AccessToken.contentType)]) async throws
            -> String
        {
            try await AccessToken.sign(claims, secret: secret ?? key.secret, header: header)
        }

        /// The name of the `ParleyError` case verifying `token` fails with ("accepted" if it does not fail).
        func failure(_ token: String) async -> String {
            do {
                _ = try await parley.accessTokens.verifyAccessToken(token)
                return "accepted"
            } catch let error as ParleyError {
                return String(String(describing: error).prefix { $0 != "(" })
            } catch {
                return "unexpected \(error)"
            }
        }

        /// A second account, with its own default Service and API key.
        func otherAccount() async throws -> (Account, APIKey, ChatService) {
            let now = Timestamp(secondsSince1970: AccessTokenTests.now)
            return try await parley.store.write { tx in
                let account = Account(
                    sid: SID.make(.account), friendlyName: "Other", authToken: SID.makeSecret(), configuration: .init(), dateCreated: now, dateUpdated: now)
                try tx.insert(account)
                let service = try ChatServices.insertService(friendlyName: "Other's", accountSid: account.sid, now: now, in: tx)
                let key = APIKey(sid: SID.make(.apiKey), accountSid: account.sid, friendlyName: "other", secret: SID.makeSecret(), dateCreated: now)
                try tx.insert(key)
                return (account, key, service)
            }
        }
    }

    // MARK: - Accepted

    @Test func aValidTokenNamesTheUserAndMakesThemAUserOfTheDefaultService() async throws {
        let f = try await Fixture()
        let token = try await f.parley.accessTokens.mintAccessToken(apiKey: f.key, identity: "alice")
        let chat = try await f.parley.accessTokens.verifyAccessToken(token)
        #expect(chat.accountSid == f.account.sid)
        #expect(chat.apiKeySid == f.key.sid)
        #expect(chat.identity == "alice")
        #expect(chat.serviceSid == f.defaultServiceSid)
        #expect(chat.expiresAt == Timestamp(secondsSince1970: Self.now + 3600))

        let user = try await f.parley.users.fetch(f.principal, .defaultService, sidOrIdentity: "alice")
        #expect(user.sid == chat.userSid)
        let service = try await f.parley.services.fetch(f.principal, sid: f.defaultServiceSid)
        #expect(user.roleSid == service.configuration.defaultChatServiceRoleSid)

        // A second use finds the same User; none is added.
        let again = try await f.parley.accessTokens.verifyAccessToken(token)
        #expect(again == chat)
        let users = try await f.parley.users.list(f.principal, .defaultService, page: PageRequest(size: 50))
        #expect(users.items.map(\.identity) == ["alice"])
    }

    @Test func theChatGrantsServiceIsTheOneTheUserBelongsTo() async throws {
        let f = try await Fixture()
        let service = try await f.parley.services.create(f.principal, friendlyName: "Support")
        _ = try await f.parley.users.create(f.principal, .service(service.sid), .init(identity: "bob"))
        let token = try await f.parley.accessTokens.mintAccessToken(apiKey: f.key, identity: "bob", serviceSid: service.sid)
        let chat = try await f.parley.accessTokens.verifyAccessToken(token)
        #expect(chat.serviceSid == service.sid)
        #expect(chat.scope == .service(service.sid))
        // The existing User is used, and nothing appears in the default Service.
        #expect(try await f.parley.users.fetch(f.principal, .service(service.sid), sidOrIdentity: "bob").sid == chat.userSid)
        await #expect(throws: ParleyError.self) { try await f.parley.users.fetch(f.principal, .defaultService, sidOrIdentity: "bob") }
    }

    @Test func clockSkewWithinTheLeewayIsTolerated() async throws {
        let f = try await Fixture()
        let justExpired = try await f.sign(f.claims(issuedAt: Self.now - 3600 - AccessToken.leeway + 1))
        #expect(await f.failure(justExpired) == "accepted")
        let almostValid = try await f.sign(f.claims(issuedAt: Self.now + AccessToken.leeway))
        #expect(await f.failure(almostValid) == "accepted")
    }

    // MARK: - Minting

    /// Vectors minted by twilio-python 9.13 (`AccessToken` + `ChatGrant`) with `time.time()` fixed at 1800000000.25.
    @Test func mintingMatchesTwilioPythonByteForByte() async throws {
        let key = APIKey(
            sid: "SK" + String(repeating: "b", count: 32), accountSid: "AC" + String(repeating: "a", count: 32), friendlyName: "k",
            secret: "0123456789abcdef0123456789abcdef", dateCreated: Timestamp(secondsSince1970: 0))
        let issuedAt = Timestamp(secondsSince1970: Self.now)
        let alice = try await AccessToken.mint(
            apiKey: key, identity: "alice", serviceSid: "IS" + String(repeating: "c", count: 32), ttl: 3600, now: issuedAt)
        #expect(
            alice == "eyJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIiwidHlwIjoiSldUIn0"
                + ".eyJqdGkiOiJTS2JiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiLTE4MDAwMDAwMDAiLCJncmFudHMiOnsiY2hhdCI6eyJzZXJ2aWNlX3NpZCI6IklTY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2MifSwiaWRlbnRpdHkiOiJhbGljZSJ9LCJpc3MiOiJTS2JiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiIiwiZXhwIjoxODAwMDAzNjAwLCJuYmYiOjE4MDAwMDAwMDAsInN1YiI6IkFDYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWEifQ"
                + ".E29m0YRN_OHJbyFR9Pgi8Ioh7__9tHSzv4JmeuVc3vA")
        // Python's json.dumps escapes everything outside printable ASCII; a chat grant without a Service is `{}`.
        let zoe = try await AccessToken.mint(apiKey: key, identity: "Zoë \"Z\" \\ 😀/x\n", serviceSid: nil, ttl: 86_400, now: issuedAt)
        #expect(
            zoe == "eyJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIiwidHlwIjoiSldUIn0"
                + ".eyJqdGkiOiJTS2JiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiLTE4MDAwMDAwMDAiLCJncmFudHMiOnsiY2hhdCI6e30sImlkZW50aXR5IjoiWm9cdTAwZWIgXCJaXCIgXFwgXHVkODNkXHVkZTAwL3hcbiJ9LCJpc3MiOiJTS2JiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiIiwiZXhwIjoxODAwMDg2NDAwLCJuYmYiOjE4MDAwMDAwMDAsInN1YiI6IkFDYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWEifQ"
                + ".gsffCyzkBwYrSEIC16GC3B4-TFdATLbJl4NaqzU5Yr8")
    }

    @Test func mintingRefusesLifetimesBeyondADayAndBadInput() async throws {
        let f = try await Fixture()
        for ttl: Int64 in [0, -5, AccessToken.maximumTTL + 1] {
            await #expect(throws: ParleyError.self) { try await f.parley.accessTokens.mintAccessToken(apiKey: f.key, identity: "alice", ttl: ttl) }
        }
        _ = try await f.parley.accessTokens.mintAccessToken(apiKey: f.key, identity: "alice", ttl: AccessToken.maximumTTL)
        await #expect(throws: ParleyError.self) { try await f.parley.accessTokens.mintAccessToken(apiKey: f.key, identity: "") }
        await #expect(throws: ParleyError.self) {
            try await f.parley.accessTokens.mintAccessToken(apiKey: f.key, identity: "alice", serviceSid: "not-a-service")
        }
    }

    @Test func theDevelopmentSigningKeyIsMadeOnceAndReused() async throws {
        let store = try await TestEngine.migratedStore(sqlitePath: nil)
        let parley = Parley(store: store)
        let account = try await parley.accounts.bootstrap().account
        let first = try await parley.accessTokens.signingKey(accountSid: account.sid)
        #expect(first.friendlyName == "parley token")
        #expect(try await parley.accessTokens.signingKey(accountSid: account.sid) == first)
        #expect(try await store.read { tx in try tx.apiKeys(accountSid: account.sid) } == [first])
    }

    // MARK: - Refused, one case each

    @Test func anExpiredTokenIsRefused() async throws {
        let f = try await Fixture()
        let token = try await f.sign(f.claims(issuedAt: Self.now - 7200))
        #expect(await f.failure(token) == "accessTokenExpired")
    }

    @Test func aTokenLivingLongerThanADayIsRefused() async throws {
        let f = try await Fixture()
        let token = try await f.sign(f.claims(ttl: 2 * AccessToken.maximumTTL))
        #expect(await f.failure(token) == "accessTokenExpired")
    }

    @Test func aNotYetValidTokenIsRefused() async throws {
        let f = try await Fixture()
        let token = try await f.sign(f.claims(issuedAt: Self.now + 3600))
        #expect(await f.failure(token) == "accessTokenNotYetValid")
    }

    @Test func aWrongSignatureIsRefused() async throws {
        let f = try await Fixture()
        let otherSecret = try await f.sign(f.claims(), secret: SID.makeSecret())
        #expect(await f.failure(otherSecret) == "accessTokenInvalidSignature")

        // A payload changed after signing (another identity) keeps a signature that no longer matches.
        let genuine = try await f.sign(f.claims(identity: "alice")).split(separator: ".")
        let forged = try await f.sign(f.claims(identity: "mallory")).split(separator: ".")
        #expect(await f.failure([genuine[0], forged[1], genuine[2]].joined(separator: ".")) == "accessTokenInvalidSignature")

        // The signature is checked before the dates: a forged token learns nothing about them.
        let forgedAndExpired = try await f.sign(f.claims(issuedAt: Self.now - 7200), secret: SID.makeSecret())
        #expect(await f.failure(forgedAndExpired) == "accessTokenInvalidSignature")
        #expect(try await f.parley.users.list(f.principal, .defaultService, page: PageRequest(size: 50)).items.isEmpty)
    }

    @Test func anUnknownKeyIsRefused() async throws {
        let f = try await Fixture()
        var claims = f.claims()
        claims.iss = SID.make(.apiKey)
        #expect(await f.failure(try await f.sign(claims)) == "accessTokenInvalidIssuer")
        claims.iss = nil
        #expect(await f.failure(try await f.sign(claims)) == "accessTokenInvalidIssuer")
        claims.iss = "alice"
        #expect(await f.failure(try await f.sign(claims)) == "accessTokenInvalidIssuer")
    }

    @Test func anotherAccountsKeyOrAWrongSubjectIsRefused() async throws {
        let f = try await Fixture()
        let (other, otherKey, _) = try await f.otherAccount()

        // The other account's key, claiming this account, signed with the other key's own secret.
        var claims = f.claims()
        claims.iss = otherKey.sid
        #expect(await f.failure(try await f.sign(claims, secret: otherKey.secret)) == "accessTokenInvalidIssuer")

        // This account's key, claiming the other account.
        claims = f.claims()
        claims.sub = other.sid
        #expect(await f.failure(try await f.sign(claims)) == "accessTokenInvalidIssuer")

        // No subject at all.
        claims.sub = nil
        #expect(await f.failure(try await f.sign(claims)) == "accessTokenInvalidIssuer")
    }

    @Test func malformedTokensAreRefused() async throws {
        let f = try await Fixture()
        let valid = try await f.sign(f.claims()).split(separator: ".").map(String.init)
        func segment(_ json: String) -> String { Base64URL.encode(Data(json.utf8)) }
        let header = segment(#"{"alg":"HS256","cty":"twilio-fpa;v=1","typ":"JWT"}"#)
        let cases: [String: String] = [
            "empty": "",
            "one part": "abc",
            "two parts": "\(valid[0]).\(valid[1])",
            "four parts": valid.joined(separator: ".") + ".\(valid[2])",
            "bad base64 header": "!!!.\(valid[1]).\(valid[2])",
            "bad base64 payload": "\(valid[0]).%%%.\(valid[2])",
            "bad base64 signature": "\(valid[0]).\(valid[1]).***",
            "header not JSON": "\(segment("not json")).\(valid[1]).\(valid[2])",
            "payload not JSON": "\(header).\(segment("{\"iss\":")).\(valid[2])",
            "payload an array": "\(header).\(segment("[1,2]")).\(valid[2])",
            "exp not a number": "\(header).\(segment(#"{"iss":"\#(f.key.sid)","sub":"\#(f.account.sid)","exp":"soon"}"#)).\(valid[2])",
        ]
        for (name, token) in cases {
            #expect(await f.failure(token) == "accessTokenMalformed", "\(name)")
        }
        // Well-formed and correctly signed, but without an expiry.
        var claims = f.claims()
        claims.exp = nil
        #expect(await f.failure(try await f.sign(claims)) == "accessTokenMalformed")
    }

    @Test func aHeaderThatIsNotTwiliosIsRefused() async throws {
        let f = try await Fixture()
        let headers: [String: JWTHeader] = [
            "cty v2": ["cty": "twilio-fpa;v=2"],
            "cty missing": [:],
            "cty not a string": ["cty": 1],
            "alg HS512": ["cty": .string(AccessToken.contentType), "alg": "HS512"],
            "alg none": ["cty": .string(AccessToken.contentType), "alg": "none"],
        ]
        for (name, header) in headers {
            #expect(await f.failure(try await f.sign(f.claims(), header: header)) == "accessTokenInvalidHeader", "\(name)")
        }
    }

    @Test func missingOrUnusableGrantsAreRefused() async throws {
        let f = try await Fixture()
        let (_, _, othersService) = try await f.otherAccount()
        var noGrants = f.claims()
        noGrants.grants = nil
        var noChat = f.claims()
        noChat.grants?.chat = nil
        var emptyIdentity = f.claims()
        emptyIdentity.grants?.identity = ""
        let cases: [String: AccessTokenClaims] = [
            "no grants": noGrants,
            "no identity": f.claims(identity: nil),
            "empty identity": emptyIdentity,
            "identity like a User SID": f.claims(identity: SID.make(.user)),
            "identity too long": f.claims(identity: String(repeating: "x", count: Limits.identity + 1)),
            "no chat grant": noChat,
            "service_sid not a SID": f.claims(serviceSid: "support"),
            "unknown Service": f.claims(serviceSid: SID.make(.service)),
            "another account's Service": f.claims(serviceSid: othersService.sid),
        ]
        for (name, claims) in cases {
            #expect(await f.failure(try await f.sign(claims)) == "accessTokenInvalidGrants", "\(name)")
        }
        #expect(try await f.parley.users.list(f.principal, .defaultService, page: PageRequest(size: 50)).items.isEmpty)
    }

    @Test func grantsOfTheWrongJSONTypeAreInvalidGrantsNotMalformed() throws {
        let json = #"{"iss":"SK","sub":"AC","exp":1,"grants":{"identity":42,"chat":"yes"}}"#
        let claims = try JSONDecoder().decode(AccessTokenClaims.self, from: Data(json.utf8))
        #expect(claims.grants == .init(identity: nil, chat: nil))
        let notAnObject = try JSONDecoder().decode(AccessTokenClaims.self, from: Data(#"{"exp":1,"grants":[]}"#.utf8))
        #expect(notAnObject.grants == nil)
    }
}
