-- The web desk (/desk/): one-time sign-in links and sessions, both stored as SHA-256 hashes of
-- the secret the browser holds, and the enrolled colleague a tip is assigned to.
CREATE TABLE desk_links (
    token_hash TEXT PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX desk_links_expires ON desk_links (expires_at);

CREATE TABLE desk_sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    person_id    INTEGER NOT NULL REFERENCES people (id),
    csrf         TEXT NOT NULL,
    address      TEXT,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ended_at     INTEGER
);
-- The live sessions of a person (sign-out everywhere, unenrolment).
CREATE INDEX desk_sessions_person ON desk_sessions (person_id) WHERE ended_at IS NULL;

-- An assignment made on the web desk names the colleague; assigned_to keeps the name shown.
ALTER TABLE tips ADD COLUMN assigned_person INTEGER REFERENCES people (id);
CREATE INDEX tips_assigned_person ON tips (assigned_person, id) WHERE assigned_person IS NOT NULL;
