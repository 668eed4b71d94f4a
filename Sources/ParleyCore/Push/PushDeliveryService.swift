/// The push outbox as the account sees it: pushes given up (`/v1/Push/Failures`), or pending and delivered ones.
public struct PushDeliveryService: Sendable {
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    /// The account's pushes with `status` (failed, by default), oldest first, with their last error.
    public func deliveries(_ principal: Principal, status: PushDelivery.Status = .failed, page: PageRequest) async throws -> Page<PushDelivery> {
        try await store.read { tx in try tx.pushDeliveries(accountSid: principal.accountSid, status: status, page: page) }
    }
}
