import ArgumentParser
import Foundation
import Logging
import ParleyCore
import ServiceLifecycle

/// `parley serve` options for external channels: how outbound deliveries leave, and how often timers run.
/// Secrets may come from the environment (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`) rather than the command line.
struct ChannelOptions: ParsableArguments {
    enum Transport: String, ExpressibleByArgument, CaseIterable {
        case sandbox, twilio, webhook
    }

    @Option(help: "How outbound channel messages leave: sandbox (recorded in the database, GET /v1/Sandbox/Deliveries), twilio or webhook.")
    var channelTransport: Transport = .sandbox
    @Option(help: "Twilio's API base URL, for --channel-transport twilio.") var twilioBaseUrl = "https://api.twilio.com"
    @Option(help: "The Twilio account that sends (default: $TWILIO_ACCOUNT_SID).") var twilioAccountSid: String?
    @Option(help: "Its auth token (default: $TWILIO_AUTH_TOKEN).") var twilioAuthToken: String?
    @Option(help: "The URL each delivery is POSTed to as JSON, for --channel-transport webhook.") var channelWebhookUrl: String?
    @Option(help: "Attempts per outbound delivery before its receipt fails.") var channelMaxAttempts = 8
    @Option(help: "Outbound deliveries in flight at once.") var channelConcurrency = 16

    /// The transport these options name, checked.
    func configuration() throws -> ChannelTransportConfiguration {
        let environment = ProcessInfo.processInfo.environment
        switch channelTransport {
        case .sandbox:
            return .sandbox
        case .twilio:
            guard let sid = twilioAccountSid ?? environment["TWILIO_ACCOUNT_SID"], let token = twilioAuthToken ?? environment["TWILIO_AUTH_TOKEN"] else {
                throw ValidationError("--channel-transport twilio needs --twilio-account-sid and --twilio-auth-token (or TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN)")
            }
            return .twilio(baseURL: twilioBaseUrl, accountSid: sid, authToken: token)
        case .webhook:
            guard let url = channelWebhookUrl else { throw ValidationError("--channel-transport webhook needs --channel-webhook-url") }
            return .webhook(url: url)
        }
    }

    /// The background services: the outbound worker and the conversation timer scheduler.
    func services(parley: Parley, publicURL: String?, logger: Logger) throws -> [any Service] {
        guard channelMaxAttempts >= 1, channelConcurrency >= 1 else { throw ValidationError("--channel-max-attempts and --channel-concurrency must be positive") }
        let transport: any ChannelTransport =
            switch try configuration() {
            case .sandbox: SandboxTransport(store: parley.store)
            case .twilio(let base, let sid, let token): TwilioTransport(baseURL: base, accountSid: sid, authToken: token, publicURL: publicURL)
            case .webhook(let url): WebhookTransport(url: url, publicURL: publicURL)
            }
        let worker = ChannelWorker(
            store: parley.store, transport: transport, backoff: Backoff(maxAttempts: channelMaxAttempts), concurrency: channelConcurrency, logger: logger)
        return [worker, ConversationTimerScheduler(timers: parley.timers, logger: logger)]
    }
}
