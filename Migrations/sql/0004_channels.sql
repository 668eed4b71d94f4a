-- External channels (SMS, WhatsApp, Messenger, ...): outbound deliveries and their receipts, inbound dedup and
-- unrouted inbound messages, Address Configurations (autocreation), the sandbox transport's log, and the indexes
-- the channel worker, the inbound router and the timer scheduler query by.

-- Delivery receipts (DY sids): one per message and messaging participant it goes out to.
CREATE TABLE delivery_receipts (
    seq                 INTEGER PRIMARY KEY,
    sid                 TEXT NOT NULL UNIQUE CHECK (sid GLOB 'DY*' AND length(sid) = 34),
    service_sid         TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    conversation_sid    TEXT NOT NULL,
    message_sid         TEXT NOT NULL REFERENCES messages(sid) ON DELETE CASCADE,
    participant_sid     TEXT NOT NULL,  -- no foreign key: a receipt outlives its participant
    channel_message_sid TEXT,           -- the channel's id for the sent message (Twilio's SM...), once known
    status              TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'sent', 'delivered', 'read', 'failed', 'undelivered')),
    error_code          INTEGER NOT NULL DEFAULT 0,
    date_created        TEXT NOT NULL,
    date_updated        TEXT NOT NULL
);
CREATE INDEX delivery_receipts_by_message ON delivery_receipts(message_sid, seq);
CREATE INDEX delivery_receipts_by_channel_message ON delivery_receipts(channel_message_sid) WHERE channel_message_sid IS NOT NULL;

-- The outbox: one row per receipt that still has to leave (or left, or gave up), written in the message's
-- transaction. The worker claims due rows by `next_attempt_at` (Unix milliseconds, so sub-second backoff works;
-- `datetime(next_attempt_at / 1000, 'unixepoch')` reads it).
CREATE TABLE channel_deliveries (
    seq              INTEGER PRIMARY KEY,
    receipt_sid      TEXT NOT NULL UNIQUE REFERENCES delivery_receipts(sid) ON DELETE CASCADE,
    service_sid      TEXT NOT NULL,
    conversation_sid TEXT NOT NULL,
    message_sid      TEXT NOT NULL,
    channel          TEXT NOT NULL,
    from_address     TEXT NOT NULL,  -- the participant's proxy address
    to_address       TEXT NOT NULL,  -- the participant's address
    body             TEXT,
    media_urls       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(media_urls)),  -- absolute, or paths under the public URL
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    date_created     TEXT NOT NULL,
    date_updated     TEXT NOT NULL
);
CREATE INDEX channel_deliveries_due ON channel_deliveries(next_attempt_at) WHERE status = 'pending';

-- A message's `delivery` summary, kept by the receipts' triggers: counts over its messaging participants.
ALTER TABLE messages ADD COLUMN delivery TEXT CHECK (delivery IS NULL OR json_valid(delivery));

CREATE VIEW message_delivery_summaries AS
SELECT message_sid,
       json_object(
           'total', count(*),
           'sent', CASE WHEN sum(status IN ('sent', 'delivered', 'read')) = 0 THEN 'none'
                        WHEN sum(status IN ('sent', 'delivered', 'read')) = count(*) THEN 'all' ELSE 'some' END,
           'delivered', CASE WHEN sum(status IN ('delivered', 'read')) = 0 THEN 'none'
                             WHEN sum(status IN ('delivered', 'read')) = count(*) THEN 'all' ELSE 'some' END,
           'read', CASE WHEN sum(status = 'read') = 0 THEN 'none' WHEN sum(status = 'read') = count(*) THEN 'all' ELSE 'some' END,
           'failed', CASE WHEN sum(status = 'failed') = 0 THEN 'none' WHEN sum(status = 'failed') = count(*) THEN 'all' ELSE 'some' END,
           'undelivered', CASE WHEN sum(status = 'undelivered') = 0 THEN 'none'
                               WHEN sum(status = 'undelivered') = count(*) THEN 'all' ELSE 'some' END
       ) AS delivery
FROM delivery_receipts
GROUP BY message_sid;

CREATE TRIGGER delivery_receipts_summary_insert AFTER INSERT ON delivery_receipts
BEGIN
    UPDATE messages SET delivery = (SELECT delivery FROM message_delivery_summaries WHERE message_sid = NEW.message_sid)
    WHERE sid = NEW.message_sid;
END;
CREATE TRIGGER delivery_receipts_summary_update AFTER UPDATE OF status ON delivery_receipts
BEGIN
    UPDATE messages SET delivery = (SELECT delivery FROM message_delivery_summaries WHERE message_sid = NEW.message_sid)
    WHERE sid = NEW.message_sid;
END;

-- Every inbound channel message accepted, by the channel's MessageSid: a retried webhook inserts nothing twice.
CREATE TABLE inbound_messages (
    message_sid         TEXT PRIMARY KEY NOT NULL,
    account_sid         TEXT NOT NULL,
    conversation_sid    TEXT,  -- where it went; null when unrouted
    parley_message_sid  TEXT,  -- the IM... it became
    date_created        TEXT NOT NULL
) WITHOUT ROWID;

-- Inbound messages no binding and no Address Configuration took: kept for reporting, never silently lost.
CREATE TABLE unrouted_inbound (
    seq          INTEGER PRIMARY KEY,
    message_sid  TEXT NOT NULL UNIQUE,
    account_sid  TEXT NOT NULL,
    channel      TEXT NOT NULL,
    from_address TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    body         TEXT,
    media        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(media)),  -- [{"url", "content_type"}]
    parameters   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(parameters)),  -- the whole webhook form
    date_created TEXT NOT NULL
);
CREATE INDEX unrouted_inbound_by_to ON unrouted_inbound(to_address, seq);

-- Address Configurations (IG sids, /v1/Configuration/Addresses): what an inbound message to an unbound address does.
CREATE TABLE address_configurations (
    seq                                  INTEGER PRIMARY KEY,
    sid                                  TEXT NOT NULL UNIQUE CHECK (sid GLOB 'IG*' AND length(sid) = 34),
    account_sid                          TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
    type                                 TEXT NOT NULL,
    address                              TEXT NOT NULL,
    friendly_name                        TEXT,
    auto_creation_enabled                INTEGER NOT NULL DEFAULT 0 CHECK (auto_creation_enabled IN (0, 1)),
    auto_creation_type                   TEXT CHECK (auto_creation_type IN ('webhook', 'studio', 'default')),
    auto_creation_conversation_service_sid TEXT,
    auto_creation_webhook_url            TEXT,
    auto_creation_webhook_method         TEXT,
    auto_creation_webhook_filters        TEXT CHECK (auto_creation_webhook_filters IS NULL OR json_valid(auto_creation_webhook_filters)),
    auto_creation_studio_flow_sid        TEXT,
    auto_creation_studio_retry_count     INTEGER,
    address_country                      TEXT,
    date_created                         TEXT NOT NULL,
    date_updated                         TEXT NOT NULL,
    UNIQUE (account_sid, address)
);

-- The sandbox transport's log: what would have left, for a newcomer to see without an external account.
CREATE TABLE sandbox_deliveries (
    seq          INTEGER PRIMARY KEY,
    sid          TEXT NOT NULL UNIQUE,  -- the channel message SID it answered (SM...)
    receipt_sid  TEXT NOT NULL,
    channel      TEXT NOT NULL,
    from_address TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    body         TEXT,
    media_urls   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(media_urls)),
    date_created TEXT NOT NULL
);

-- Inbound routing across the account's Services: one probe of the bound (address, proxy address) pair.
CREATE INDEX participants_by_bound_pair ON participants(address, proxy_address) WHERE binding_active = 1;

-- The timer scheduler's "due" queries.
CREATE INDEX conversations_inactive_due ON conversations(date_inactive) WHERE date_inactive IS NOT NULL;
CREATE INDEX conversations_closed_due ON conversations(date_closed) WHERE date_closed IS NOT NULL;
