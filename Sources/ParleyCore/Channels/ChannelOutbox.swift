/// Writes a new message's outbound deliveries, inside the transaction that inserts the message: one delivery
/// receipt and one outbox row per messaging participant other than the author, from the participant's proxy
/// address to its address. What the channel cannot carry (a body over its length limit, media over its
/// `ChannelMediaLimit`) gets a failed receipt with Twilio's error code and no outbox row.
enum ChannelOutbox {
    /// Returns whether any receipt was written (else the message has no `delivery` summary).
    @discardableResult
    static func enqueue(_ message: Message, conversation: Conversation, now: Timestamp, tx: StoreTransaction) throws -> Bool {
        let recipients = try tx.messagingParticipants(conversationSid: conversation.sid).filter { participant in
            participant.sid != message.participantSid && participant.binding?.address != message.author
        }
        guard !recipients.isEmpty else { return false }
        let media = message.media == nil ? [] : try tx.media(messageSid: message.sid)
        let mediaURLs = media.map { item in
            item.externalURL ?? "/v1/Services/\(item.serviceSid)/Media/\(item.sid)/Content"
        }
        var queued = false
        for participant in recipients {
            guard let address = participant.binding?.address, let proxy = participant.binding?.proxyAddress else { continue }
            let channel = participant.channel
            var receipt = DeliveryReceipt(
                sid: ChannelSID.make(ChannelSID.receipt, now: now), serviceSid: message.serviceSid, conversationSid: conversation.sid,
                messageSid: message.sid, participantSid: participant.sid, channelMessageSid: nil, status: .queued, errorCode: 0,
                dateCreated: now, dateUpdated: now)
            if let limit = channel.bodyLimit, let body = message.body, body.count > limit {
                receipt.status = .failed
                receipt.errorCode = 21617  // the concatenated message body exceeds the 1600 character limit
            } else if let violation = channel.mediaLimit.violation(for: media) {
                receipt.status = .failed
                receipt.errorCode = violation.code
            }
            try tx.insert(receipt)
            guard receipt.status == .queued else { continue }
            let delivery = OutboundDelivery(
                receiptSid: receipt.sid, serviceSid: message.serviceSid, conversationSid: conversation.sid, messageSid: message.sid, channel: channel,
                from: proxy, to: address, body: message.body, mediaURLs: mediaURLs, attempts: 0)
            try tx.insert(delivery, dueAt: now.millisecondsSince1970, now: now)
            queued = true
        }
        if queued, let bell = tx.outboxBell { tx.afterCommit { bell.ring() } }
        return true
    }
}
