/// The default transport: records each delivery in `sandbox_deliveries` and reports it sent, so a newcomer sees
/// outbound messages work without any external account.
public struct SandboxTransport: ChannelTransport {
    let store: Store
    let now: @Sendable () -> Timestamp

    public init(store: Store, now: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.now = now
    }

    public func send(_ delivery: OutboundDelivery) async -> DeliveryOutcome {
        let now = self.now()
        let entry = SandboxDelivery(
            sid: ChannelSID.make(ChannelSID.channelMessage, now: now), receiptSid: delivery.receiptSid, channel: delivery.channel.rawValue,
            from: delivery.from, to: delivery.to, body: delivery.body, mediaURLs: delivery.mediaURLs, dateCreated: now)
        do {
            try await store.write { tx in try tx.insert(entry, serviceSid: delivery.serviceSid) }
            return .accepted(channelMessageSid: entry.sid, status: .sent)
        } catch {
            return .retry(reason: "sandbox log: \(error)")
        }
    }
}
