import GRDB

extension StoreTransaction {
    /// Whether two chat identities are participants of at least one common conversation of the Service (index
    /// `participants_by_identity` for both sides).
    public func sharesConversation(_ identity: String, _ other: String, serviceSid: String) throws -> Bool {
        try value(Bool.self, 
            statement(
                """
                SELECT EXISTS (SELECT 1 FROM participants AS a JOIN participants AS b ON b.conversation_sid = a.conversation_sid AND b.identity = ?2
                WHERE a.service_sid = ?3 AND a.identity = ?1)
                """), arguments: [identity, other, serviceSid]) ?? false
    }
}
