import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is, from a `postgres://user:password@host:port/database` URL (`postgresql://` too).
///
/// As with libpq, `?host=/a/folder` names a folder holding the server's Unix socket instead of a TCP host, and
/// `?sslmode=disable|prefer|require` chooses TLS (default: `prefer` over TCP, none over a socket).
public struct PostgresLocation: Sendable, CustomStringConvertible {
    /// The URL could not be read as a PostgreSQL location.
    public struct InvalidURL: Error, CustomStringConvertible {
        public var description: String
    }

    public let configuration: PostgresConnection.Configuration
    /// The same place, for a pool of connections (`PostgresEngine`).
    public let clientConfiguration: PostgresClient.Configuration
    /// The URL with its password hidden, for messages and logs.
    public let description: String

    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme)
        else { throw InvalidURL(description: "not a postgres:// URL: \(text)") }
        let parameters = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { $1 }
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding }
        let database = String(components.path.drop { $0 == "/" }).removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
        let port = components.port ?? Int(parameters["port"] ?? "") ?? 5432

        if let socketFolder = parameters["host"], socketFolder.hasPrefix("/") {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: password, database: database)
            clientConfiguration = PostgresClient.Configuration(
                unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            guard let host = parameters["host"] ?? components.host, !host.isEmpty else {
                throw InvalidURL(description: "no host in \(text)")
            }
            let tls: PostgresConnection.Configuration.TLS
            let clientTLS: PostgresClient.Configuration.TLS
            switch parameters["sslmode"] ?? "prefer" {
            case "disable":
                tls = .disable
                clientTLS = .disable
            case "prefer", "allow":
                tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                clientTLS = .prefer(.makeClientConfiguration())
            case "require", "verify-ca", "verify-full":
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                clientTLS = .require(.makeClientConfiguration())
            case let other:
                throw InvalidURL(description: "unknown sslmode \(other) (disable, prefer or require)")
            }
            configuration = PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: tls)
            clientConfiguration = PostgresClient.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: clientTLS)
        }
        var shown = components
        if shown.password != nil { shown.password = "***" }
        description = shown.string ?? "postgres://"
    }
}
