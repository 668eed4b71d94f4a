import ArgumentParser
import Foundation
import ParleyCore
import ParleyHTTP

/// `parley token`: an access token for a chat user, for development (customers' servers mint theirs with a Twilio
/// helper library and an API key; Parley accepts both alike).
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an access token for a chat identity (development).",
        discussion: """
            The token is what twilio-python's AccessToken with a ChatGrant mints, signed with an API key of the \
            node's account: the one named "parley token", else the oldest key, else a new key named "parley token". \
            Only the token goes to standard output, so TOKEN=$(parley token --identity alice) works.
            """)

    @Option(help: "The chat identity (the User is created on the token's first use).") var identity: String?
    @Option(help: "The Conversation Service (IS...) of the chat grant; default: the account's default Service.") var service: String?
    @Option(help: "Seconds the token is valid, at most 86400 (24 h).") var ttl: Int64 = AccessToken.defaultTTL
    @OptionGroup var database: DatabaseOptions
    @Option(help: .hidden) var verify: String?

    func validate() throws {
        if verify == nil, identity == nil { throw ValidationError("Missing expected argument '--identity <identity>'") }
        guard (1...AccessToken.maximumTTL).contains(ttl) else { throw ValidationError("--ttl must be between 1 and \(AccessToken.maximumTTL) seconds") }
    }

    func run() async throws {
        let parley = Parley(store: try await database.migratedStore().store)
        if let token = verify {
            try await check(token, parley)
            return
        }
        guard let account = try await parley.accounts.primaryAccount() else {
            throw ValidationError("\(database.name) has no account yet: start the server once (parley serve) to create it")
        }
        do {
            if let service {
                do {
                    _ = try await parley.services.fetch(Principal(accountSid: account.sid, credentialSid: account.sid), sid: service)
                } catch ParleyError.notFound {
                    throw ValidationError("\(service) is no Conversation Service of account \(account.sid)")
                }
            }
            let key = try await parley.accessTokens.signingKey(accountSid: account.sid)
            let token = try await parley.accessTokens.mintAccessToken(apiKey: key, identity: identity ?? "", serviceSid: service, ttl: ttl)
            print(token)
            let grantService = service ?? account.configuration.defaultChatServiceSid ?? "the account's default"
            FileHandle.standardError.write(Data("identity \(identity ?? ""), Service \(grantService), signed with \(key.sid), valid \(ttl) s\n".utf8))
        } catch let error as ParleyError {
            throw ValidationError(error.twilioMessage)
        }
    }

    /// `--verify TOKEN`: verifies as a client route would; prints the principal, or the Twilio code and exits 1.
    private func check(_ token: String, _ parley: Parley) async throws {
        do {
            let chat = try await parley.accessTokens.verifyAccessToken(token)
            print("identity: \(chat.identity)")
            print("service: \(chat.serviceSid)")
            print("user: \(chat.userSid)")
            print("account: \(chat.accountSid)")
            print("api_key: \(chat.apiKeySid)")
            print("expires: \(chat.expiresAt)")
        } catch let error as ParleyError {
            FileHandle.standardError.write(Data("\(error.twilioCode) \(error.twilioMessage)\n".utf8))
            throw ExitCode.failure
        }
    }
}
