-- 010: retention — what is pruned, and how the pruner (handlers/retention.c, group leads in
-- handlers/groups.c) finds it without reading what it keeps. Every prune is a small batch
-- taken from the head of an index (or of the table, in rowid order), so what was pruned is
-- gone from where the next batch starts: the head is the watermark.
--
-- The inbox and the button payloads get no index: rows arrive in rowid order at about the time
-- they are stamped, so the oldest are the first rows of the table. An index on their age would
-- cost every update one more write on the hot path and tell the pruner nothing more.

-- Outbox rows that are done (sent, or failed for good) and belong to no campaign, by the time
-- they were done (a failed row has no sent_at: its creation). A row still owed (queued,
-- sending) is never in it, however old. Campaign rows (the only ones with a dedupe key) go
-- with their campaign's recipients, after its report period: the report reads them.
CREATE INDEX outbox_done ON outbox (coalesce(sent_at, created_at))
    WHERE status IN ('sent', 'failed') AND dedupe_key IS NULL;

-- The tip a desk message is about (the card, reminders, additions: handlers/tipfile.c), so
-- that a group lead's messages leave with it. NULL: about no tip, or written before this
-- version (those leave with the outbox retention). No REFERENCES: a message still owed may
-- outlive its lead.
ALTER TABLE outbox ADD COLUMN tip_id INTEGER;
CREATE INDEX outbox_tip ON outbox (tip_id) WHERE tip_id IS NOT NULL;

-- Group leads by age (tips.lead_retention_days), and the tips naming one as their original:
-- without this index every deleted tip made SQLite's foreign key check read the whole table.
CREATE INDEX tips_leads_age ON tips (created_at) WHERE kind = 'group_lead';
CREATE INDEX tips_duplicate_of ON tips (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- Web chat identities by last use (retention.webchat_days).
CREATE INDEX webchat_identities_seen ON webchat_identities (last_seen_at);

-- A campaign past its report period keeps its totals here and loses its recipients and its
-- outbox rows; `tipgate campaign report` then reads these columns. archived_at: when the last
-- of them went (NULL: not yet). totals_at: when the totals were frozen.
ALTER TABLE campaigns ADD COLUMN totals_at INTEGER;
ALTER TABLE campaigns ADD COLUMN archived_at INTEGER;
ALTER TABLE campaigns ADD COLUMN total_targeted INTEGER;
ALTER TABLE campaigns ADD COLUMN total_sent INTEGER;
ALTER TABLE campaigns ADD COLUMN total_failed INTEGER;
ALTER TABLE campaigns ADD COLUMN total_unreachable INTEGER;
ALTER TABLE campaigns ADD COLUMN total_opted_out INTEGER;
ALTER TABLE campaigns ADD COLUMN total_cancelled INTEGER;
CREATE INDEX campaigns_unarchived ON campaigns (finished_at) WHERE archived_at IS NULL;
