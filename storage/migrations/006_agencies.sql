-- 006: agencies and their deadlines; awareness campaigns and who receives them.
-- Due work is found through the indexes below (partial ones where most rows are done), so a
-- scheduler tick with nothing due reads a few index pages and no table.

-- Agencies (cơ quan, ban, ngành, đoàn thể, trường học, doanh nghiệp, tổ dân phố/thôn): from the
-- configuration ('config', synced at start) or from `tipgate agency add` ('cli').
CREATE TABLE agencies (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'other',
    source      TEXT NOT NULL CHECK (source IN ('config', 'cli')),
    active      INTEGER NOT NULL DEFAULT 1,
    created_day INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- The chats an agency reads, on any platform.
CREATE TABLE agency_chats (
    agency     TEXT NOT NULL REFERENCES agencies (code),
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('config', 'cli')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (agency, platform, chat_id)
) WITHOUT ROWID;
CREATE INDEX agency_chats_chat ON agency_chats (platform, chat_id);

-- One dated deadline of a calendar (BCQ1-2026 due 2026-03-10), expanded from the rules.
CREATE TABLE deadline_dates (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    base         TEXT NOT NULL,
    plan         TEXT NOT NULL,
    what         TEXT NOT NULL,
    submit_to    TEXT NOT NULL,
    targets      TEXT NOT NULL,
    due_day      INTEGER NOT NULL,
    rule_day     INTEGER NOT NULL,
    note         TEXT,
    active       INTEGER NOT NULL DEFAULT 1,
    escalate_at  INTEGER,
    escalated_at INTEGER,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX deadline_dates_escalate ON deadline_dates (escalate_at)
    WHERE escalate_at IS NOT NULL;
CREATE INDEX deadline_dates_due ON deadline_dates (due_day);

-- What one agency owes for one dated deadline: the next reminder, the last one sent, and the
-- submission (late_days 0: on time).
CREATE TABLE deadline_tasks (
    date_id      INTEGER NOT NULL REFERENCES deadline_dates (id),
    agency       TEXT NOT NULL REFERENCES agencies (code),
    next_at      INTEGER,
    last_slot    INTEGER,
    submitted_at INTEGER,
    submitted_by INTEGER REFERENCES people (id),
    late_days    INTEGER,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (date_id, agency)
) WITHOUT ROWID;
CREATE INDEX deadline_tasks_next ON deadline_tasks (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX deadline_tasks_agency ON deadline_tasks (agency, submitted_at);

-- Who wants campaigns: a resident's private chat after /dangkytin, or any chat that said
-- /tatthongbao ('stopped': no campaign reaches it until /batthongbao).
CREATE TABLE subscriptions (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    person_id  INTEGER REFERENCES people (id),
    status     TEXT NOT NULL CHECK (status IN ('subscribed', 'stopped')),
    area       TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;
CREATE INDEX subscriptions_status ON subscriptions (status, area);

-- A broadcast: a day of the awareness calendar, one made with `tipgate campaign`, or an
-- officer's /canhbao.
CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('awareness', 'custom', 'alert')),
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    audience    TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'running', 'done',
                                                'cancelled', 'missed')),
    send_at     INTEGER,
    created_by  INTEGER REFERENCES people (id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER
);
CREATE INDEX campaigns_status ON campaigns (status, send_at);

-- One recipient of a campaign, snapshotted when it starts. 'pending' ones are enqueued in
-- bounded batches; the outbox row (dedupe key campaign:<id>:<platform>:<chat>:<part>) is
-- written in the same transaction as 'queued', so a crash neither loses nor repeats one.
CREATE TABLE campaign_recipients (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    audience    TEXT NOT NULL CHECK (audience IN ('resident', 'group', 'agency')),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'queued', 'opted_out', 'unreachable',
                                               'cancelled')),
    outbox_id   INTEGER,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, platform, chat_id)
) WITHOUT ROWID;
CREATE INDEX campaign_recipients_pending ON campaign_recipients (campaign_id)
    WHERE state = 'pending';
CREATE INDEX campaign_recipients_chat ON campaign_recipients (platform, chat_id, state);

-- An officer's /canhbao waiting for "Gửi" or "Hủy" (one per chat).
CREATE TABLE alert_drafts (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES people (id),
    area       TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;

-- Daily work done from the calendars (their sync), by name: the token says for which day and
-- process it was done, and is written in the transaction that did it.
CREATE TABLE sync_marks (
    name  TEXT PRIMARY KEY,
    token TEXT NOT NULL
) WITHOUT ROWID;
