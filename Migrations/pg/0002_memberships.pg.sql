-- What a user's or address's list of conversations needs (UserConversations, ParticipantConversations).
-- PostgreSQL dialect of ../sql/0002_memberships.sql.

-- A participant's notification preference for the conversation: 'default' or 'muted'.
ALTER TABLE participants ADD COLUMN notification_level TEXT NOT NULL DEFAULT 'default'
    CHECK (notification_level IN ('default', 'muted'));

-- The identity that created the conversation, when a chat user did (null for REST-made ones).
ALTER TABLE conversations ADD COLUMN created_by TEXT;

-- ParticipantConversations?Address=...: every conversation an address takes part in, closed ones included.
CREATE INDEX participants_by_address ON participants(service_sid, address) WHERE address IS NOT NULL;
