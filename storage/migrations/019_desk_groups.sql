-- 019: the web desk's scam shield and shift handover (issue 14).
--
-- A flagged item an officer takes off the list is kept, marked removed: its id stays (the
-- flagged accounts' in-memory set is reloaded when max(id) moves, and a deleted last row would
-- hand its id to the next flag), and so do the warnings given about it. Flagging it again
-- puts it back.
ALTER TABLE scam_items ADD COLUMN removed_at INTEGER;
ALTER TABLE scam_items ADD COLUMN removed_by INTEGER REFERENCES people (id);

-- The handover's "acknowledged since" and "closed since": only the tips that were.
CREATE INDEX tips_acknowledged ON tips (acknowledged_at) WHERE acknowledged_at IS NOT NULL;
CREATE INDEX tips_closed ON tips (closed_at) WHERE closed_at IS NOT NULL;

-- The warnings given in one group (the desk's list of groups counts the last 30 days).
CREATE INDEX scam_warnings_chat ON scam_warnings (platform, chat_id, at);
