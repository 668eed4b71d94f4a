import ArgumentParser
import ParleyCore

/// `parley keys`: API keys, the second kind of REST credential and the signers of access tokens.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print its SID and secret (shown once).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "A name to recognise the key by.") var friendlyName = "parley keys create"

        func run() async throws {
            let parley = Parley(store: try await database.migratedStore().store)
            guard let account = try await parley.accounts.primaryAccount() else {
                throw ValidationError("\(database.name) has no account yet: start the server once (parley serve) to create it")
            }
            let key = try await parley.accounts.createAPIKey(accountSid: account.sid, friendlyName: friendlyName)
            print("API key SID: \(key.sid)")
            print("Secret:      \(key.secret)   (shown once; keep it secret)")
        }
    }
}
