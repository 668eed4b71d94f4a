-- Parley's initial schema.
--
-- Conventions: tables are plural nouns; every resource has its Twilio SID as `sid`; dates are
-- ISO 8601 UTC text (`2015-12-16T22:18:37Z`), so they sort and read well in `sqlite3`; JSON lives
-- in TEXT columns (`attributes` always holds valid JSON). Lists page by the integer rowid `seq`
-- (creation order), never by OFFSET; messages page by (conversation_sid, "index").

CREATE TABLE accounts (
    sid                           TEXT PRIMARY KEY NOT NULL CHECK (sid GLOB 'AC*' AND length(sid) = 34),
    friendly_name                 TEXT NOT NULL,
    auth_token                    TEXT NOT NULL,
    default_chat_service_sid      TEXT,
    default_messaging_service_sid TEXT,
    default_inactive_timer        TEXT,
    default_closed_timer          TEXT,
    date_created                  TEXT NOT NULL,
    date_updated                  TEXT NOT NULL
);

CREATE TABLE api_keys (
    sid           TEXT PRIMARY KEY NOT NULL CHECK (sid GLOB 'SK*' AND length(sid) = 34),
    account_sid   TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
    friendly_name TEXT NOT NULL,
    secret        TEXT NOT NULL,
    date_created  TEXT NOT NULL
);

-- Conversation Services (IS...): the unit of partitioning.
CREATE TABLE services (
    seq                                    INTEGER PRIMARY KEY,
    sid                                    TEXT NOT NULL UNIQUE CHECK (sid GLOB 'IS*' AND length(sid) = 34),
    account_sid                            TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
    friendly_name                          TEXT NOT NULL,
    default_conversation_creator_role_sid  TEXT,
    default_conversation_role_sid          TEXT,
    default_chat_service_role_sid          TEXT,
    reachability_enabled                   INTEGER NOT NULL DEFAULT 0 CHECK (reachability_enabled IN (0, 1)),
    date_created                           TEXT NOT NULL,
    date_updated                           TEXT NOT NULL
);
CREATE INDEX services_by_account ON services(account_sid, seq);

CREATE TABLE roles (
    seq           INTEGER PRIMARY KEY,
    sid           TEXT NOT NULL UNIQUE CHECK (sid GLOB 'RL*' AND length(sid) = 34),
    service_sid   TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    friendly_name TEXT NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('conversation', 'service')),
    permissions   TEXT NOT NULL CHECK (json_valid(permissions)),
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL
);
CREATE INDEX roles_by_service ON roles(service_sid, seq);

CREATE TABLE users (
    seq           INTEGER PRIMARY KEY,
    sid           TEXT NOT NULL UNIQUE CHECK (sid GLOB 'US*' AND length(sid) = 34),
    service_sid   TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    identity      TEXT NOT NULL,
    friendly_name TEXT,
    attributes    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    role_sid      TEXT REFERENCES roles(sid),
    date_created  TEXT NOT NULL,
    date_updated  TEXT NOT NULL,
    UNIQUE (service_sid, identity)
);
CREATE INDEX users_by_service ON users(service_sid, seq);

CREATE TABLE conversations (
    seq                   INTEGER PRIMARY KEY,
    sid                   TEXT NOT NULL UNIQUE CHECK (sid GLOB 'CH*' AND length(sid) = 34),
    service_sid           TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    unique_name           TEXT,
    friendly_name         TEXT,
    attributes            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    state                 TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('initializing', 'active', 'inactive', 'closed')),
    messaging_service_sid TEXT,
    timer_inactive        TEXT,  -- ISO 8601 duration as given, e.g. PT5M
    timer_closed          TEXT,
    date_inactive         TEXT,  -- when the inactive timer fires next
    date_closed           TEXT,  -- when the closed timer fires next
    email_address         TEXT,
    email_name            TEXT,
    next_message_index    INTEGER NOT NULL DEFAULT 0,  -- the index the next message gets; never reused
    date_created          TEXT NOT NULL,
    date_updated          TEXT NOT NULL,
    UNIQUE (service_sid, unique_name)
);
CREATE INDEX conversations_by_service ON conversations(service_sid, seq);

CREATE TABLE participants (
    seq                     INTEGER PRIMARY KEY,
    sid                     TEXT NOT NULL UNIQUE CHECK (sid GLOB 'MB*' AND length(sid) = 34),
    service_sid             TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    conversation_sid        TEXT NOT NULL REFERENCES conversations(sid) ON DELETE CASCADE,
    identity                TEXT,
    channel                 TEXT NOT NULL DEFAULT 'chat',  -- chat, sms, whatsapp, messenger, ...
    address                 TEXT,
    proxy_address           TEXT,
    projected_address       TEXT,
    binding_active          INTEGER NOT NULL DEFAULT 0 CHECK (binding_active IN (0, 1)),  -- 1 while the pair is bound in an open conversation
    attributes              TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    role_sid                TEXT REFERENCES roles(sid),
    last_read_message_index INTEGER,
    last_read_timestamp     TEXT,
    date_created            TEXT NOT NULL,
    date_updated            TEXT NOT NULL,
    UNIQUE (conversation_sid, identity)
);
CREATE INDEX participants_by_conversation ON participants(conversation_sid, seq);
CREATE INDEX participants_by_identity ON participants(service_sid, identity) WHERE identity IS NOT NULL;
-- One open conversation per (address, proxy address) in a Service; also the inbound routing lookup.
CREATE UNIQUE INDEX participants_by_binding ON participants(service_sid, address, proxy_address) WHERE binding_active = 1;

CREATE TABLE messages (
    seq              INTEGER PRIMARY KEY,
    sid              TEXT NOT NULL UNIQUE CHECK (sid GLOB 'IM*' AND length(sid) = 34),
    service_sid      TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
    conversation_sid TEXT NOT NULL REFERENCES conversations(sid) ON DELETE CASCADE,
    "index"          INTEGER NOT NULL,
    author           TEXT,
    body             TEXT,
    subject          TEXT,
    attributes       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    participant_sid  TEXT,  -- no foreign key: a message outlives its author's participation
    media            TEXT CHECK (media IS NULL OR json_valid(media)),
    content_sid      TEXT,
    date_created     TEXT NOT NULL,
    date_updated     TEXT,
    UNIQUE (conversation_sid, "index")
);

-- Reporting views (see docs/schema.md).
CREATE VIEW messages_per_conversation_per_day AS
SELECT conversation_sid, substr(date_created, 1, 10) AS day, count(*) AS messages
FROM messages
GROUP BY conversation_sid, day;

CREATE VIEW active_participants_per_channel AS
SELECT p.service_sid, p.channel, count(*) AS participants
FROM participants p JOIN conversations c ON c.sid = p.conversation_sid
WHERE c.state IN ('active', 'inactive')
GROUP BY p.service_sid, p.channel;
