-- Push notifications (issue 14): credentials, a Service's notification settings, device bindings, and the outbox
-- pushes are sent from.

-- Push credentials (CR...), account-level as in Twilio. `secret` holds the sealed secret material (see
-- PushSecretBox): never returned by the API, never logged.
CREATE TABLE push_credentials (
    seq           INTEGER PRIMARY KEY,
    sid           TEXT NOT NULL UNIQUE CHECK (sid GLOB 'CR*' AND length(sid) = 34),
    account_sid   TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
    friendly_name TEXT,
    type          TEXT NOT NULL CHECK (type IN ('apn', 'fcm', 'gcm')),
    sandbox       INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
    secret        TEXT NOT NULL,
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL
);
CREATE INDEX push_credentials_by_account ON push_credentials(account_sid, seq);

-- `/v1/Services/{IS}/Configuration/Notifications`: one row per Service that has been configured; a Service without a
-- row has Twilio's defaults (everything disabled, no templates).
CREATE TABLE push_settings (
    service_sid                      TEXT PRIMARY KEY NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    log_enabled                      INTEGER NOT NULL DEFAULT 0 CHECK (log_enabled IN (0, 1)),
    new_message_enabled              INTEGER NOT NULL DEFAULT 0 CHECK (new_message_enabled IN (0, 1)),
    new_message_template             TEXT,
    new_message_sound                TEXT,
    new_message_badge_count_enabled  INTEGER NOT NULL DEFAULT 0 CHECK (new_message_badge_count_enabled IN (0, 1)),
    new_message_with_media_enabled   INTEGER NOT NULL DEFAULT 0 CHECK (new_message_with_media_enabled IN (0, 1)),
    new_message_with_media_template  TEXT,
    added_enabled                    INTEGER NOT NULL DEFAULT 0 CHECK (added_enabled IN (0, 1)),
    added_template                   TEXT,
    added_sound                      TEXT,
    removed_enabled                  INTEGER NOT NULL DEFAULT 0 CHECK (removed_enabled IN (0, 1)),
    removed_template                 TEXT,
    removed_sound                    TEXT,
    date_updated                     TEXT NOT NULL
);

-- Device bindings (BS...): one identity's device address for one push type and credential. Registering the same
-- address again in a Service updates its row.
CREATE TABLE push_bindings (
    seq           INTEGER PRIMARY KEY,
    sid           TEXT NOT NULL UNIQUE CHECK (sid GLOB 'BS*' AND length(sid) = 34),
    account_sid   TEXT NOT NULL,
    service_sid   TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    credential_sid TEXT NOT NULL REFERENCES push_credentials(sid) ON DELETE CASCADE,
    identity      TEXT NOT NULL,
    binding_type  TEXT NOT NULL CHECK (binding_type IN ('apn', 'fcm', 'gcm')),
    address       TEXT NOT NULL,                 -- the device token / registration token
    endpoint      TEXT NOT NULL,                 -- Twilio's `endpoint` field, as the client registered it
    message_types TEXT NOT NULL DEFAULT '["new_message","added_to_conversation","removed_from_conversation"]'
                  CHECK (json_valid(message_types)),
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL,
    UNIQUE (service_sid, binding_type, address)
);
CREATE INDEX push_bindings_by_service ON push_bindings(service_sid, seq);
CREATE INDEX push_bindings_by_identity ON push_bindings(service_sid, identity);

-- The push outbox, written in the change's own transaction: one row per push to one binding. No foreign keys: a push
-- outlives what it tells about. `payload` is the rendered notification (JSON: title/body/sound/badge and Twilio's data
-- keys); the worker adds the provider's envelope.
CREATE TABLE push_deliveries (
    seq              INTEGER PRIMARY KEY,
    account_sid      TEXT NOT NULL,
    service_sid      TEXT NOT NULL,
    conversation_sid TEXT,
    event_type       TEXT NOT NULL CHECK (event_type IN ('new_message', 'added_to_conversation', 'removed_from_conversation')),
    binding_sid      TEXT NOT NULL,
    credential_sid   TEXT NOT NULL,
    binding_type     TEXT NOT NULL,
    identity         TEXT NOT NULL,
    address          TEXT NOT NULL,
    payload          TEXT NOT NULL CHECK (json_valid(payload)),
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,                 -- ISO 8601 UTC with milliseconds, as webhook_deliveries
    last_status_code INTEGER,
    last_error       TEXT,
    date_created     TEXT NOT NULL,
    date_updated     TEXT NOT NULL
);
CREATE INDEX push_deliveries_due ON push_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX push_deliveries_failed ON push_deliveries(account_sid, seq) WHERE status = 'failed';
-- A binding the provider disowned takes its other pending pushes with it (`deletePushBinding`): found without a scan.
CREATE INDEX push_deliveries_pending_by_binding ON push_deliveries(binding_sid) WHERE status = 'pending';
