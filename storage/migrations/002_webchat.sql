-- 002: web chat identities and per-chat history lookups.
-- A browser holds a random secret; only its SHA-256 is stored, mapped to a chat id that is
-- unrelated to the secret, so nothing stored or shown lets anyone take over the conversation.
CREATE TABLE webchat_identities (
    secret_hash  TEXT PRIMARY KEY,
    chat_id      TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

CREATE INDEX inbox_chat ON inbox (platform, chat_id, id);
CREATE INDEX outbox_chat ON outbox (platform, chat_id, status, id);
