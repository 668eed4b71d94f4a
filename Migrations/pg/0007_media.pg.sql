-- Media (ME sids), PostgreSQL dialect of ../sql/0007_media.sql: the bytes live in content-addressed files under the
-- data folder (media/<sha256 prefix>/<sha256>), shared by every node; these rows are the metadata and the references
-- that keep a file alive. A media item belongs to at most one message.
CREATE TABLE media (
    sid          TEXT PRIMARY KEY CHECK (sid LIKE 'ME%' AND length(sid) = 34),
    service_sid  TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    filename     TEXT,
    size         BIGINT NOT NULL CHECK (size >= 0),
    sha256       TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),  -- NULL: an external reference, not stored here
    external_url TEXT,                                                -- inbound media that could not be fetched
    author       TEXT NOT NULL,
    message_sid  TEXT REFERENCES messages(sid) ON DELETE CASCADE,
    date_created TEXT NOT NULL,
    date_updated TEXT NOT NULL,
    CHECK ((sha256 IS NULL) <> (external_url IS NULL))
);
CREATE INDEX media_by_content ON media(sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX media_by_message ON media(message_sid) WHERE message_sid IS NOT NULL;

-- Content whose last reference went away: its file is removed by the next collection, unless new media with the same
-- content arrived meanwhile.
CREATE TABLE media_garbage (
    sha256 TEXT PRIMARY KEY
);
-- Row triggers fire after the whole DELETE statement here (SQLite: after each row), so two rows of one content deleted
-- together both find no reference left; ON CONFLICT keeps the second insert harmless.
CREATE FUNCTION media_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.sha256 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM media WHERE sha256 = OLD.sha256) THEN
        INSERT INTO media_garbage (sha256) VALUES (OLD.sha256) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER media_release AFTER DELETE ON media FOR EACH ROW EXECUTE FUNCTION media_release();
