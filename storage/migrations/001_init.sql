-- 001: the durable pipeline. Every message, in or out, is a row here before anything acts on it.
-- Times are milliseconds since the Unix epoch from the application clock.

-- Everyone who has written to the bot on any platform.
CREATE TABLE people (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    display_name     TEXT,
    role             TEXT NOT NULL DEFAULT 'resident',
    area             TEXT,
    reachable        INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (platform, platform_user_id)
);

-- Every chat the bot is in: private chats with one person, groups.
CREATE TABLE chats (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('private', 'group')),
    title      TEXT,
    area       TEXT,
    reachable  INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (platform, chat_id)
);

-- Incoming updates, normalised. The unique key is where duplicates die.
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    update_key   TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    message      TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER,
    error        TEXT,
    UNIQUE (platform, update_key)
);
CREATE INDEX inbox_pending ON inbox (id) WHERE processed_at IS NULL;

-- Outgoing messages. A row exists before the platform is asked to deliver it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    platform        TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    text            TEXT NOT NULL,
    buttons         TEXT,
    priority        INTEGER NOT NULL DEFAULT 1,
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    dedupe_key      TEXT UNIQUE,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox (platform, priority, next_attempt_at, id)
    WHERE status = 'queued';
