-- Idempotent creates (PostgreSQL dialect of ../sql/0006_operations.sql): the first answer to a POST that carried an
-- `Idempotency-Key` (or `I-Twilio-Idempotency-Token`) header, replayed to retries of the same request for 24 hours.
-- A row is written before the request runs (`status` NULL); `applied` is set inside the transaction that commits the
-- request's change. Rows older than the window are pruned.
CREATE TABLE idempotency_keys (
    account_sid  TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,             -- SHA-256 of method, path, query, content type and body
    boot_id      TEXT NOT NULL,             -- the server process that reserved it
    applied      BIGINT NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
    status       BIGINT,                    -- the answer's HTTP status; NULL while the request runs
    content_type TEXT,
    body         BYTEA,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (account_sid, key)
);
CREATE INDEX idempotency_keys_by_date ON idempotency_keys(created_at);
