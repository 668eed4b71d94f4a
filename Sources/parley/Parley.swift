import ArgumentParser

/// `parley`: the server and its administration commands.
@main
struct ParleyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "A self-hosted, SQLite-persistent messaging backend, wire-compatible with Twilio Conversations v1.",
        subcommands: [Serve.self, Migrate.self, Keys.self, Token.self, Backup.self, Restore.self, Copy.self, Check.self, Routes.self],
        defaultSubcommand: Serve.self)
}
