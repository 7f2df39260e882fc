-- 004: tips and the police desk.

-- A tip (tố giác / tin báo), a resident's feedback (góp ý), or a lead seen in a group.
-- person_id / platform / chat_id identify the tipster for the relay only: they are never shown
-- to police. contact_phone is set only when the resident chose to be contactable.
CREATE TABLE tips (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL DEFAULT 'tip' CHECK (kind IN ('tip', 'feedback', 'group_lead')),
    person_id       INTEGER REFERENCES people (id),
    platform        TEXT,
    chat_id         TEXT,
    anonymous       INTEGER NOT NULL DEFAULT 1,
    contact_phone   TEXT,
    category        TEXT,
    urgent          INTEGER NOT NULL DEFAULT 0,
    area            TEXT,
    place           TEXT,
    happened        TEXT,
    description     TEXT NOT NULL,
    folded          TEXT NOT NULL,
    entities        TEXT,
    latitude        REAL,
    longitude       REAL,
    status          TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'received', 'verifying',
                        'transferred', 'resolved', 'rejected', 'duplicate', 'closed')),
    desk_platform   TEXT,
    desk_chat_id    TEXT,
    assigned_to     TEXT,
    duplicate_of    INTEGER REFERENCES tips (id),
    outcome         TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    acknowledged_at INTEGER,
    classified_at   INTEGER,
    closed_at       INTEGER,
    deadline_at     INTEGER,
    extensions      INTEGER NOT NULL DEFAULT 0,
    extended_days   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tips_person ON tips (person_id, created_at);
CREATE INDEX tips_open ON tips (status, created_at);

CREATE TABLE tip_attachments (
    id         INTEGER PRIMARY KEY,
    tip_id     INTEGER NOT NULL REFERENCES tips (id),
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX tip_attachments_tip ON tip_attachments (tip_id);

-- The relay between desk and tipster, through the tip code only.
CREATE TABLE tip_messages (
    id            INTEGER PRIMARY KEY,
    tip_id        INTEGER NOT NULL REFERENCES tips (id),
    direction     TEXT NOT NULL CHECK (direction IN ('to_tipster', 'from_tipster', 'status')),
    text          TEXT NOT NULL,
    author        INTEGER REFERENCES people (id),
    open_question INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX tip_messages_tip ON tip_messages (tip_id, id);

-- Each reminder or escalation of a tip is sent once: the key is (tip, kind).
CREATE TABLE tip_reminders (
    tip_id  INTEGER NOT NULL REFERENCES tips (id),
    kind    TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (tip_id, kind)
) WITHOUT ROWID;

-- Who did what, when: every desk action.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  INTEGER REFERENCES people (id),
    action TEXT NOT NULL,
    tip_id INTEGER REFERENCES tips (id),
    detail TEXT
);
CREATE INDEX audit_tip ON audit_log (tip_id);

-- One-time enrolment codes (stored hashed) for officers, leaders and agency members.
CREATE TABLE enrol_codes (
    code_hash  TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    area       TEXT,
    agency     TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    used_by    INTEGER REFERENCES people (id)
);
ALTER TABLE people ADD COLUMN agency TEXT;

-- A conversation in progress (the guided report, a pending yes/no): a state row, not a thread.
CREATE TABLE conversations (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    flow       TEXT NOT NULL,
    step       TEXT NOT NULL,
    data       TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    nudged     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;

-- Search over tips without regard to diacritics: the folded text (đ already folded to d).
CREATE VIRTUAL TABLE tips_fts USING fts5 (folded, content = 'tips', content_rowid = 'id');
CREATE TRIGGER tips_fts_ins AFTER INSERT ON tips BEGIN
    INSERT INTO tips_fts (rowid, folded) VALUES (new.id, new.folded);
END;
CREATE TRIGGER tips_fts_upd AFTER UPDATE OF folded ON tips BEGIN
    INSERT INTO tips_fts (tips_fts, rowid, folded) VALUES ('delete', old.id, old.folded);
    INSERT INTO tips_fts (rowid, folded) VALUES (new.id, new.folded);
END;
