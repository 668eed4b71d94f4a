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

    func validate() throws {
        for (name, url) in [("--apns-url", apnsURL), ("--apns-sandbox-url", apnsSandboxURL), ("--fcm-url", fcmURL), ("--fcm-oauth-url", fcmOauthURL)] {
            guard let url else { continue }
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ValidationError("\(name) must be an http(s) URL")
            }
        }
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
