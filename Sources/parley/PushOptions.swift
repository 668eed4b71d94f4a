import ArgumentParser
import Foundation
import ParleyCore

/// `parley serve` options for sending push notifications: where APNs and FCM are (Apple's and Google's hosts by
/// default; tests and air-gapped deployments point them at stand-ins) and an extra certificate to trust for them.
struct PushOptions: ParsableArguments {
    @Option(help: "APNs provider API for credentials without Sandbox.") var apnsURL = APNsSettings.appleProductionURL
    @Option(help: "APNs provider API for credentials with Sandbox=True.") var apnsSandboxURL = APNsSettings.appleSandboxURL
    @Option(help: "FCM HTTP v1 base URL (POST {url}/v1/projects/{project_id}/messages:send).") var fcmURL = FCMSettings().baseURL
    @Option(help: "OAuth2 token endpoint for FCM service accounts, instead of each account's token_uri.") var fcmOauthURL: String?
    @Option(help: "PEM certificate trusted for APNs and FCM besides the system's roots (a stand-in provider's CA).") var pushCaFile: String?

    /// Refuses, before anything is opened, a provider URL that is not a plain http(s) base URL and a `--push-ca-file`
    /// that cannot be read or holds no PEM certificate.
    func validate() throws {
        for (name, url) in [("--apns-url", apnsURL), ("--apns-sandbox-url", apnsSandboxURL), ("--fcm-url", fcmURL), ("--fcm-oauth-url", fcmOauthURL)] {
            guard let url else { continue }
            if let problem = Self.problem(withBaseURL: url) { throw ValidationError("\(name) \(url): \(problem)") }
        }
        if let pushCaFile {
            guard let pem = FileManager.default.contents(atPath: pushCaFile).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw ValidationError("--push-ca-file: cannot read \(pushCaFile)")
            }
            guard pem.contains("-----BEGIN CERTIFICATE-----") else { throw ValidationError("--push-ca-file: \(pushCaFile) is not a PEM certificate") }
        }
    }

    /// What is wrong with `url` as a provider base URL, or nil: it must be http(s) with a host and a valid port, and
    /// carry no credentials, query or fragment (request paths are appended to it).
    static func problem(withBaseURL url: String) -> String? {
        guard let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            let host = parsed.host, !host.isEmpty
        else { return "must be an http(s) URL with a host" }
        if let port = parsed.port, !(1...65535).contains(port) { return "the port must be 1 to 65535" }
        if parsed.user != nil || parsed.password != nil { return "must not carry a user name or password" }
        if parsed.query != nil || parsed.fragment != nil { return "must not have a query or fragment" }
        return nil
    }

    /// The senders these options describe.
    func senders() throws -> PushSenders {
        var trustRoot: String?
        if let pushCaFile {
            do {
                trustRoot = try String(contentsOfFile: pushCaFile, encoding: .utf8)
            } catch {
                throw ValidationError("--push-ca-file: cannot read \(pushCaFile)")
            }
        }
        do {
            return try PushSenders.live(
                apns: APNsSettings(productionURL: apnsURL, sandboxURL: apnsSandboxURL), fcm: FCMSettings(baseURL: fcmURL, oauthURL: fcmOauthURL),
                extraTrustRootPEM: trustRoot)
        } catch {
            throw ValidationError("--push-ca-file: \(pushCaFile ?? "") is not a PEM certificate")
        }
    }
}
