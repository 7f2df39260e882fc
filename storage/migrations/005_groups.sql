-- 005: neighbourhood group chats — binding to an area, the unsolicited-message limit, the
-- scam shield, meetings.

-- A group is bound when chats.area is set (by /dangkynhom).
ALTER TABLE chats ADD COLUMN bound_at INTEGER;
ALTER TABLE chats ADD COLUMN hinted_at INTEGER;          -- an unbound group got its one hint
ALTER TABLE chats ADD COLUMN last_unsolicited_at INTEGER; -- at most one per group per 5 minutes
CREATE INDEX chats_area ON chats (area) WHERE area IS NOT NULL;

-- Phones, links and bank accounts officers flagged as scams.
CREATE TABLE scam_items (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('phone', 'link', 'account')),
    value      TEXT NOT NULL,
    bank       TEXT,
    reason     TEXT NOT NULL,
    flagged_by INTEGER REFERENCES people (id),
    created_at INTEGER NOT NULL,
    UNIQUE (kind, value)
);

-- A warning about an item in a group, at most once a day (local date).
CREATE TABLE scam_warnings (
    item_id  INTEGER NOT NULL REFERENCES scam_items (id),
    platform TEXT NOT NULL,
    chat_id  TEXT NOT NULL,
    day      TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (item_id, platform, chat_id, day)
) WITHOUT ROWID;

-- Unflagged phones and links seen in groups or tips: only the item, never the message. Kept
-- two days, to notice the same one spreading through the ward (a possible new scam).
CREATE TABLE sightings (
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    source   TEXT NOT NULL, -- "group:<platform>:<chat>" or "tip:<id>"
    seen_at  INTEGER NOT NULL
);
CREATE INDEX sightings_item ON sightings (kind, value, seen_at);
CREATE INDEX sightings_age ON sightings (seen_at);

-- A possible new scam told to the desk: once per item per day.
CREATE TABLE scam_suspects (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    day         TEXT NOT NULL,
    reported_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value, day)
) WITHOUT ROWID;

-- Meetings announced in a group with /hop, reminded the day before and an hour before.
CREATE TABLE meetings (
    id             INTEGER PRIMARY KEY,
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    at             INTEGER NOT NULL,
    text           TEXT NOT NULL,
    created_by     INTEGER REFERENCES people (id),
    created_at     INTEGER NOT NULL,
    reminded_day   INTEGER NOT NULL DEFAULT 0,
    reminded_hour  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX meetings_due ON meetings (at) WHERE reminded_hour = 0;

CREATE INDEX tips_kind_created ON tips (kind, created_at);

-- Deleting a tip (group leads past their retention) must leave the search index too.
CREATE TRIGGER tips_fts_del AFTER DELETE ON tips BEGIN
    INSERT INTO tips_fts (tips_fts, rowid, folded) VALUES ('delete', old.id, old.folded);
END;
