-- 003: what the Telegram and Zalo adapters keep between runs.

-- Small per-platform facts: the getUpdates offset, the bot's own id (to drop echoes), the
-- webhook last set. Written in the same transaction as the inbox rows they relate to.
CREATE TABLE platform_state (
    platform   TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (platform, key)
) WITHOUT ROWID;

-- Button payloads stay on the server: a button carries only a random token (Telegram allows
-- 64 bytes of callback_data, and a resident must not be able to forge a payload).
CREATE TABLE callback_payloads (
    token      TEXT PRIMARY KEY,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A photo (platform file id or URL) sent with the text as its caption.
ALTER TABLE outbox ADD COLUMN photo TEXT;

-- The bot's membership in a chat: member, administrator, left, kicked (Telegram my_chat_member).
ALTER TABLE chats ADD COLUMN bot_status TEXT;
