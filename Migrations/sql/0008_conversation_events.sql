-- A change in a conversation is one event row, no longer one per member: a message to a conversation of
-- a thousand members wrote a thousand rows scattered over the (service, identity) index, ~4 MB of WAL.
-- A row with `identity` NULL is for every chat member of `conversation_sid` who joined before it
-- (`participants.events_after`); a row with an identity is for that user alone (conversationAdded and
-- conversationRemoved, participantLeft for the one who left, userUpdated).
-- `seq` becomes AUTOINCREMENT: it must never go back, even when pruning empties the table.
CREATE TABLE user_events_new (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    service_sid      TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    identity         TEXT,            -- the user it is for; NULL: the conversation's members
    type             TEXT NOT NULL,   -- messageAdded, participantJoined, conversationUpdated, ...
    conversation_sid TEXT,            -- no foreign key: the event outlives a deleted conversation
    payload          TEXT NOT NULL CHECK (json_valid(payload)),  -- the resource as it was
    date_created     TEXT NOT NULL,
    CHECK (identity IS NOT NULL OR conversation_sid IS NOT NULL)
);
INSERT INTO user_events_new (seq, service_sid, identity, type, conversation_sid, payload, date_created)
    SELECT seq, service_sid, identity, type, conversation_sid, payload, date_created FROM user_events;
DROP TABLE user_events;
ALTER TABLE user_events_new RENAME TO user_events;
CREATE INDEX user_events_by_identity ON user_events(service_sid, identity, seq) WHERE identity IS NOT NULL;
CREATE INDEX user_events_by_conversation ON user_events(conversation_sid, seq) WHERE identity IS NULL;
CREATE INDEX user_events_by_date ON user_events(date_created);

-- Never below what was pruned (before this, a pruned-empty table restarted seq at 1).
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'user_events', through_seq FROM user_events_pruned
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'user_events');
UPDATE sqlite_sequence SET seq = max(seq, (SELECT through_seq FROM user_events_pruned)) WHERE name = 'user_events';

-- The newest event seq when the participant joined: they see the conversation's events after it.
ALTER TABLE participants ADD COLUMN events_after INTEGER NOT NULL DEFAULT 0;
