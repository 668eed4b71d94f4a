import Foundation
import ParleyCore

extension Renderer {
    /// A message's `delivery`: `{"total","sent","delivered","read","failed","undelivered"}`, or null without receipts.
    func deliverySummary(_ json: String?) -> JSONValue {
        guard let json, let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return .null }
        var fields: [(String, JSONValue)] = [("total", .int(Int64((object["total"] as? Int) ?? 0)))]
        for name in ["sent", "delivered", "read", "failed", "undelivered"] {
            fields.append((name, .string((object[name] as? String) ?? "none")))
        }
        return .object(fields)
    }

    func receipt(_ receipt: DeliveryReceipt) -> JSONValue {
        .object(
            [("account_sid", .string(accountSid))] + serviceField(receipt.serviceSid) + [
                ("conversation_sid", .string(receipt.conversationSid)),
                ("sid", .string(receipt.sid)),
                ("message_sid", .string(receipt.messageSid)),
                ("channel_message_sid", JSONValue(receipt.channelMessageSid)),
                ("participant_sid", .string(receipt.participantSid)),
                ("status", .string(receipt.status.rawValue)),
                ("error_code", .int(Int64(receipt.errorCode))),
                ("date_created", JSONValue(receipt.dateCreated)),
                ("date_updated", JSONValue(receipt.dateUpdated)),
                ("url", .string("\(urls.message(receipt.messageSid, conversation: receipt.conversationSid))/Receipts/\(receipt.sid)")),
            ])
    }

    func addressConfiguration(_ configuration: AddressConfiguration) -> JSONValue {
        let auto = configuration.autoCreation
        var autoCreation: [(String, JSONValue)] = [("enabled", .bool(auto.enabled)), ("type", JSONValue(auto.type))]
        autoCreation.append(("conversation_service_sid", JSONValue(auto.conversationServiceSid)))
        if auto.type == "webhook" || auto.webhookURL != nil {
            autoCreation += [
                ("webhook_url", JSONValue(auto.webhookURL)), ("webhook_method", JSONValue(auto.webhookMethod)),
                ("webhook_filters", auto.webhookFilters.map { JSONValue($0) } ?? .null),
            ]
        }
        if auto.type == "studio" || auto.studioFlowSid != nil {
            autoCreation += [("studio_flow_sid", JSONValue(auto.studioFlowSid)), ("studio_retry_count", JSONValue(auto.studioRetryCount))]
        }
        return .object([
            ("sid", .string(configuration.sid)),
            ("account_sid", .string(configuration.accountSid)),
            ("type", .string(configuration.type)),
            ("address", .string(configuration.address)),
            ("friendly_name", JSONValue(configuration.friendlyName)),
            ("auto_creation", .object(autoCreation)),
            ("date_created", JSONValue(configuration.dateCreated)),
            ("date_updated", JSONValue(configuration.dateUpdated)),
            ("url", .string("\(urls.base)/v1/Configuration/Addresses/\(configuration.sid)")),
            ("address_country", JSONValue(configuration.addressCountry)),
        ])
    }

    func sandboxDelivery(_ entry: SandboxDelivery) -> JSONValue {
        .object([
            ("sid", .string(entry.sid)),
            ("receipt_sid", .string(entry.receiptSid)),
            ("channel", .string(entry.channel)),
            ("from", .string(entry.from)),
            ("to", .string(entry.to)),
            ("body", JSONValue(entry.body)),
            ("media_urls", JSONValue(entry.mediaURLs)),
            ("date_created", JSONValue(entry.dateCreated)),
        ])
    }
}
