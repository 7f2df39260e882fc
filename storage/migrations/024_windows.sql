-- 024: the platforms' messaging windows (Zalo Official Account: 48 hours and a few messages
-- after the user's last message; a Facebook Page: 24 hours). A message from the user opens
-- (re-opens) the window; each message sent inside it is counted. A chat with no row has never
-- written: its window is closed. One row per chat that wrote, updated in place.
CREATE TABLE platform_windows (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    opened_at  INTEGER NOT NULL, -- the user's last message (ms)
    sent_since INTEGER NOT NULL DEFAULT 0, -- messages sent since opened_at
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;

-- A campaign's frozen totals gain the recipients the platform's window kept from it (their
-- outbox rows failed with last_error "outside the platform's messaging window").
ALTER TABLE campaigns ADD COLUMN total_outside_window INTEGER;

-- The messages each deadline reminder enqueued (one per agency chat), so the deadline report
-- can say how many went, how many the platform's window kept back, how many failed. Kept while
-- the outbox keeps the rows (the report joins them).
CREATE TABLE deadline_reminders (
    outbox_id INTEGER PRIMARY KEY,
    date_id   INTEGER NOT NULL,
    agency    TEXT NOT NULL
);
CREATE INDEX deadline_reminders_agency ON deadline_reminders (agency, date_id);
