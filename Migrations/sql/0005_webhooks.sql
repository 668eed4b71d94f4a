-- Webhooks (issue 6): where Parley tells customers' servers what happened, and the outbox it tells them from.

-- Account- and Service-level targets (`/v1/Configuration/Webhooks`, `/v1/Services/{IS}/Configuration/Webhooks`):
-- one row per account (service_sid NULL) and per Service that has been configured.
CREATE TABLE webhook_configurations (
    scope_sid        TEXT PRIMARY KEY NOT NULL,  -- the account's AC... or the Service's IS...
    account_sid      TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
    service_sid      TEXT REFERENCES services(sid) ON DELETE CASCADE,
    pre_webhook_url  TEXT,
    post_webhook_url TEXT,
    method           TEXT NOT NULL DEFAULT 'POST' CHECK (method IN ('GET', 'POST')),
    filters          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(filters)),  -- event names, JSON array
    target           TEXT NOT NULL DEFAULT 'webhook' CHECK (target IN ('webhook', 'flex')),
    date_updated     TEXT NOT NULL,
    CHECK ((service_sid IS NULL AND scope_sid = account_sid) OR scope_sid = service_sid)
);

-- Conversation-scoped webhooks (WH...): post-event only, at most 5 per conversation.
CREATE TABLE conversation_webhooks (
    seq              INTEGER PRIMARY KEY,
    sid              TEXT NOT NULL UNIQUE CHECK (sid GLOB 'WH*' AND length(sid) = 34),
    service_sid      TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    conversation_sid TEXT NOT NULL REFERENCES conversations(sid) ON DELETE CASCADE,
    target           TEXT NOT NULL CHECK (target IN ('webhook', 'trigger', 'studio')),
    url              TEXT,
    method           TEXT CHECK (method IS NULL OR method IN ('GET', 'POST')),
    filters          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(filters)),
    triggers         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(triggers)),
    flow_sid         TEXT,
    replay_after     INTEGER,
    date_created     TEXT NOT NULL,
    date_updated     TEXT NOT NULL
);
CREATE INDEX conversation_webhooks_by_conversation ON conversation_webhooks(conversation_sid, seq);

-- The webhook outbox: one row per delivery of one event to one URL, written in the same transaction as the change.
-- No foreign keys: a delivery outlives what it tells about (onConversationRemoved). Rows of one conversation to one
-- URL are sent in `seq` order, the next only once the one before is no longer pending.
CREATE TABLE webhook_deliveries (
    seq               INTEGER PRIMARY KEY,
    idempotency_token TEXT NOT NULL UNIQUE,          -- I-Twilio-Idempotency-Token, the same on every attempt
    account_sid       TEXT NOT NULL,
    service_sid       TEXT,
    conversation_sid  TEXT,                          -- the ordering key; NULL for events outside a conversation
    scope             TEXT NOT NULL CHECK (scope IN ('account', 'service', 'conversation')),
    webhook_sid       TEXT,                          -- the conversation webhook (WH...), for that scope
    event_type        TEXT NOT NULL,
    url               TEXT NOT NULL,
    method            TEXT NOT NULL CHECK (method IN ('GET', 'POST')),
    body              TEXT NOT NULL,                 -- the parameters, form-encoded
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL,                 -- ISO 8601 UTC with milliseconds
    last_status_code  INTEGER,
    last_error        TEXT,
    date_created      TEXT NOT NULL,
    date_updated      TEXT NOT NULL
);
-- The worker's due query: pending rows by time, and the "an earlier row of this conversation and URL is pending" probe.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_pending_order ON webhook_deliveries(conversation_sid, url, seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries(account_sid, seq) WHERE status = 'failed';
