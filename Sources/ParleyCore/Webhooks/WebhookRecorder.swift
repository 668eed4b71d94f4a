import Foundation

/// Decides which webhooks a change fires and writes them to the outbox, in the change's own transaction; the worker is
/// woken once it has committed. Also makes the blocking pre-action calls, before a change's transaction starts.
struct WebhookRecorder: Sendable {
    let store: Store
    let signal: WebhookSignal
    let sender: WebhookSender

    /// Writes one outbox row per target that listens to `event`: the account's and the Service's post-event URL when
    /// their filters name it, and the conversation's webhooks (`conversationSid`) whose filters name it.
    func record(
        _ event: WebhookEvent, _ parameters: [(name: String, value: String)], origin: WebhookOrigin, serviceSid: String, conversationSid: String?,
        messageBody: String? = nil, now: Timestamp, in tx: StoreTransaction
    ) throws {
        guard origin.firesWebhooks else { return }
        let targets = try tx.webhookTargets(serviceSid: serviceSid, conversationSid: conversationSid)
        var common: [(name: String, value: String)] = [("AccountSid", targets.accountSid), ("EventType", event.rawValue), ("Source", origin.source)]
        if let identity = origin.clientIdentity { common.append(("ClientIdentity", identity)) }
        let body = WebhookForm.encode(common + parameters)
        var rows: [WebhookDelivery] = []
        func add(_ scope: WebhookDelivery.Scope, url: String, method: String, webhookSid: String? = nil, failure: String? = nil) {
            let rowBody = webhookSid.map { body + "&" + WebhookForm.encode([("WebhookSid", $0)]) } ?? body
            rows.append(
                WebhookDelivery(
                    seq: 0, idempotencyToken: SID.makeSecret() + SID.makeSecret(), accountSid: targets.accountSid, serviceSid: serviceSid,
                    conversationSid: conversationSid, scope: scope, webhookSid: webhookSid, eventType: event.rawValue, url: url, method: method,
                    body: rowBody, status: failure == nil ? .pending : .failed, attempts: 0, nextAttemptAt: WebhookTime.now, lastStatusCode: nil,
                    lastError: failure, dateCreated: now, dateUpdated: now))
        }
        for (configuration, scope) in [(targets.account, WebhookDelivery.Scope.account), (targets.service, .service)] {
            if let configuration, configuration.target == "webhook", let url = configuration.postWebhookURL, configuration.filters.contains(event.rawValue) {
                add(scope, url: url, method: configuration.method)
            }
        }
        for webhook in targets.conversation {
            switch webhook.target {
            case .webhook:
                if let url = webhook.url, webhook.filters.contains(event.rawValue) {
                    add(.conversation, url: url, method: webhook.method ?? "POST", webhookSid: webhook.sid)
                }
            case .trigger:
                if event == .onMessageAdded, let url = webhook.url, let text = messageBody?.lowercased(),
                    webhook.triggers.contains(where: { !$0.isEmpty && text.contains($0.lowercased()) })
                {
                    add(.conversation, url: url, method: webhook.method ?? "POST", webhookSid: webhook.sid)
                }
            case .studio:
                if webhook.filters.isEmpty || webhook.filters.contains(event.rawValue) {
                    add(.conversation, url: "studio:\(webhook.flowSid ?? "")", method: "POST", webhookSid: webhook.sid,
                        failure: "Studio flows are not supported by Parley: webhook \(webhook.sid) (flow \(webhook.flowSid ?? "-")) was not run")
                }
            }
        }
        guard !rows.isEmpty else { return }
        for row in rows { try tx.insert(row) }
        let signal = self.signal
        tx.afterCommit { signal.wake() }
    }

    /// Calls the account's and then the Service's pre-action URL for `event`, when their filters name it, and returns the
    /// changes their answers ask for (JSON keys as sent, e.g. `body`, `author`, `attributes`, `friendly_name`; later answers
    /// win). Any 4xx or 5xx answer rejects the action (`ParleyError.webhookRejected`); no answer in time, or none at
    /// all, lets it go ahead unchanged, as Twilio documents.
    func preAction(_ event: WebhookEvent, _ parameters: [(name: String, value: String)], origin: WebhookOrigin, serviceSid: String) async throws
        -> [String: String]
    {
        guard origin.firesWebhooks else { return [:] }
        let (targets, authToken) = try await store.read { tx in
            let targets = try tx.webhookTargets(serviceSid: serviceSid, conversationSid: nil)
            return (targets, try tx.account(sid: targets.accountSid)?.authToken ?? "")
        }
        var common: [(name: String, value: String)] = [("AccountSid", targets.accountSid), ("EventType", event.rawValue), ("Source", origin.source)]
        if let identity = origin.clientIdentity { common.append(("ClientIdentity", identity)) }
        var changes: [String: String] = [:]
        for configuration in [targets.account, targets.service] {
            guard let configuration, configuration.target == "webhook", let url = configuration.preWebhookURL,
                configuration.filters.contains(event.rawValue)
            else { continue }
            let response = await sender.send(
                url: url, method: configuration.method, parameters: common + parameters, authToken: authToken,
                idempotencyToken: SID.makeSecret() + SID.makeSecret())
            guard let status = response.statusCode else { continue }  // timed out or unreachable: go ahead
            if status >= 400 { throw ParleyError.webhookRejected(event: event.rawValue, status: status) }
            changes.merge(Self.modifications(response.body)) { _, new in new }
        }
        return changes
    }

    /// The fields a pre-action answer's JSON object sets: strings as they are, other JSON values (e.g. an attributes
    /// object) serialized.
    static func modifications(_ body: String) -> [String: String] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else { return [:] }
        var changes: [String: String] = [:]
        for (key, value) in object {
            if let text = value as? String {
                changes[key] = text
            } else if !(value is NSNull), let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) {
                changes[key] = String(decoding: data, as: UTF8.self)
            }
        }
        return changes
    }
}
