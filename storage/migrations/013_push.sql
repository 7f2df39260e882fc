-- 013: Web Push (RFC 8030/8291/8292) for web chat tipsters: who asked to be told when the
-- police answer, the notifications waiting to go out, and the server's VAPID key pair.
--
-- push_subscriptions: one row per browser subscription (a resident may have a phone and a
-- computer). endpoint is the push service's URL (its path is a capability: never logged);
-- p256dh and auth are the browser's keys, base64url as the browser gives them. last_ok_at and
-- last_fail_at say how the last attempt went; fails counts failures since the last success.
CREATE TABLE push_subscriptions (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    endpoint     TEXT NOT NULL UNIQUE,
    p256dh       TEXT NOT NULL,
    auth         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_ok_at   INTEGER,
    last_fail_at INTEGER,
    fails        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX push_subscriptions_chat ON push_subscriptions(platform, chat_id);

-- push_jobs: one notification to one subscription, sent by the push sender (bot/webpush.c).
-- A row leaves the table when it is delivered or given up; due_at moves forward on each retry.
CREATE TABLE push_jobs (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX push_jobs_due ON push_jobs(due_at);
CREATE INDEX push_jobs_subscription ON push_jobs(subscription_id);

-- push_vapid: the one VAPID key pair, made on the first start (raw P-256 scalar and point,
-- base64url). Changing it would invalidate every subscription, so it is never rotated here.
CREATE TABLE push_vapid (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
