-- The bearer tokens of the HTTP API /api/v1 (storage/api_tokens.h): only the SHA-256 of a
-- token is kept, never the token. A name is unique among the tokens not revoked; a revoked
-- token stays (who had access, until when) and its name may be given again.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL, -- ",read:tips,read:reports,"
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
