-- The durable event stream of chat users: every change a connected client must see, one row per
-- recipient, numbered by `seq` (increasing for each user; a client resumes from the last one it saw).
-- Rows older than the retention window are pruned; a client behind the oldest kept row resyncs.
CREATE TABLE user_events (
    seq              INTEGER PRIMARY KEY,
    service_sid      TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    identity         TEXT NOT NULL,
    type             TEXT NOT NULL,   -- messageAdded, participantJoined, conversationUpdated, ...
    conversation_sid TEXT,            -- no foreign key: the event outlives a deleted conversation
    payload          TEXT NOT NULL CHECK (json_valid(payload)),  -- the resource as it was
    date_created     TEXT NOT NULL
);
CREATE INDEX user_events_by_identity ON user_events(service_sid, identity, seq);
CREATE INDEX user_events_by_date ON user_events(date_created);

-- The highest seq ever pruned: a client that resumes from below it has missed events and must resync.
CREATE TABLE user_events_pruned (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    through_seq INTEGER NOT NULL
);
INSERT INTO user_events_pruned (id, through_seq) VALUES (1, 0);
