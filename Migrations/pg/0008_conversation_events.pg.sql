-- A change in a conversation is one event row, no longer one per member (PostgreSQL dialect of
-- ../sql/0008_conversation_events.sql): a row with `identity` NULL is for every chat member of `conversation_sid` who
-- joined before it (`participants.events_after`); a row with an identity is for that user alone.
-- SQLite rebuilt the table to make `seq` AUTOINCREMENT (never going back, even when pruning empties the table); a
-- PostgreSQL identity sequence already never goes back, so the table is altered in place and its sequence left alone.
ALTER TABLE user_events ALTER COLUMN identity DROP NOT NULL;
ALTER TABLE user_events ADD CHECK (identity IS NOT NULL OR conversation_sid IS NOT NULL);
DROP INDEX user_events_by_identity;
CREATE INDEX user_events_by_identity ON user_events(service_sid, identity, seq) WHERE identity IS NOT NULL;
CREATE INDEX user_events_by_conversation ON user_events(conversation_sid, seq) WHERE identity IS NULL;

-- The newest event seq when the participant joined: they see the conversation's events after it.
ALTER TABLE participants ADD COLUMN events_after BIGINT NOT NULL DEFAULT 0;
