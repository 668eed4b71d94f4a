import ParleyCore

extension Renderer {
    /// `/v1/Configuration/Webhooks`.
    func accountWebhookConfiguration(_ configuration: WebhookConfiguration) -> JSONValue {
        .object([
            ("account_sid", .string(accountSid)),
            ("method", .string(configuration.method)),
            ("filters", JSONValue(configuration.filters)),
            ("pre_webhook_url", JSONValue(configuration.preWebhookURL)),
            ("post_webhook_url", JSONValue(configuration.postWebhookURL)),
            ("target", .string(configuration.target)),
            ("url", .string("\(urls.base)/v1/Configuration/Webhooks")),
        ])
    }

    /// `/v1/Services/{IS}/Configuration/Webhooks`.
    func serviceWebhookConfiguration(_ configuration: WebhookConfiguration) -> JSONValue {
        .object([
            ("account_sid", .string(accountSid)),
            ("chat_service_sid", .string(configuration.scopeSid)),
            ("pre_webhook_url", JSONValue(configuration.preWebhookURL)),
            ("post_webhook_url", JSONValue(configuration.postWebhookURL)),
            ("filters", JSONValue(configuration.filters)),
            ("method", .string(configuration.method)),
            ("url", .string("\(urls.service(configuration.scopeSid))/Configuration/Webhooks")),
        ])
    }

    /// A conversation-scoped webhook; `configuration` shows what its target uses (method lower-case, as Twilio shows it).
    func conversationWebhook(_ webhook: ConversationWebhook) -> JSONValue {
        var configuration: [(String, JSONValue)] = []
        switch webhook.target {
        case .webhook:
            configuration = [("url", JSONValue(webhook.url)), ("method", JSONValue(webhook.method?.lowercased())), ("filters", JSONValue(webhook.filters))]
        case .trigger:
            configuration = [
                ("url", JSONValue(webhook.url)), ("method", JSONValue(webhook.method?.lowercased())), ("filters", JSONValue(webhook.filters)),
                ("triggers", JSONValue(webhook.triggers)),
            ]
        case .studio:
            configuration = [("flow_sid", JSONValue(webhook.flowSid))]
            if !webhook.filters.isEmpty { configuration.append(("filters", JSONValue(webhook.filters))) }
        }
        if let replayAfter = webhook.replayAfter { configuration.append(("replay_after", .int(replayAfter))) }
        return .object(
            [("sid", .string(webhook.sid)), ("account_sid", .string(accountSid))] + serviceField(webhook.serviceSid) + [
                ("conversation_sid", .string(webhook.conversationSid)),
                ("target", .string(webhook.target.rawValue)),
                ("url", .string("\(urls.conversation(webhook.conversationSid))/Webhooks/\(webhook.sid)")),
                ("configuration", .object(configuration)),
                ("date_created", JSONValue(webhook.dateCreated)),
                ("date_updated", JSONValue(webhook.dateUpdated)),
            ])
    }

    /// A row of the webhook outbox, as `/v1/Webhooks/Failures` lists it (Parley's own resource).
    func webhookDelivery(_ delivery: WebhookDelivery) -> JSONValue {
        .object([
            ("account_sid", .string(delivery.accountSid)),
            ("chat_service_sid", JSONValue(delivery.serviceSid)),
            ("conversation_sid", JSONValue(delivery.conversationSid)),
            ("scope", .string(delivery.scope.rawValue)),
            ("webhook_sid", JSONValue(delivery.webhookSid)),
            ("event_type", .string(delivery.eventType)),
            ("target_url", .string(delivery.url)),
            ("method", .string(delivery.method)),
            ("status", .string(delivery.status.rawValue)),
            ("attempts", .int(Int64(delivery.attempts))),
            ("last_status_code", JSONValue(delivery.lastStatusCode.map { Int64($0) })),
            ("last_error", JSONValue(delivery.lastError)),
            ("idempotency_token", .string(delivery.idempotencyToken)),
            ("date_created", JSONValue(delivery.dateCreated)),
            ("date_updated", JSONValue(delivery.dateUpdated)),
        ])
    }
}
