-- 011: what an outbox row is about, and whom a dated deadline binds, as columns and rows
-- rather than as text the code had to search: retention and withdrawal act by id, and the
-- targets of a deadline are joined, not found with instr() in a ",CA,kind:school," string.

-- The thing an outbox row belongs to: ref_kind 'tip' (a desk message about tips.id = ref_id:
-- it leaves with a group lead, handlers/groups.c) or 'campaign' (a campaign's message,
-- campaigns.id = ref_id: withdrawn when the resident opts out or the campaign is cancelled,
-- pruned with the campaign after its report period). NULL: about nothing that goes on its own
-- (it leaves with the outbox retention). No REFERENCES: a message still owed may outlive a lead.
ALTER TABLE outbox ADD COLUMN ref_kind TEXT CHECK (ref_kind IN ('tip', 'campaign'));
ALTER TABLE outbox ADD COLUMN ref_id INTEGER;

-- Existing rows: the tip of 010's tip_id; a campaign's rows from their dedupe key
-- campaign:<id>:<platform>:<chat>:<part> (the last time the key is read for this).
UPDATE outbox SET ref_kind = 'tip', ref_id = tip_id WHERE tip_id IS NOT NULL;
UPDATE outbox SET ref_kind = 'campaign',
    ref_id = CAST(substr(dedupe_key, 10, instr(substr(dedupe_key, 10), ':') - 1) AS INTEGER)
    WHERE substr(dedupe_key, 1, 9) = 'campaign:' AND instr(substr(dedupe_key, 10), ':') > 1;

DROP INDEX outbox_tip;
ALTER TABLE outbox DROP COLUMN tip_id;
-- A lead's or a campaign's rows, by id (and the queued ones of a campaign to withdraw).
CREATE INDEX outbox_ref ON outbox (ref_kind, ref_id, status) WHERE ref_id IS NOT NULL;

-- Done rows the outbox retention prunes: every kind but a campaign's (those go with their
-- campaign, whose report reads them). Was: dedupe_key IS NULL, true of every row but a
-- campaign's only because no other writer sets a dedupe key.
DROP INDEX outbox_done;
CREATE INDEX outbox_done ON outbox (coalesce(sent_at, created_at))
    WHERE status IN ('sent', 'failed') AND coalesce(ref_kind, '') <> 'campaign';

-- Whom a dated deadline binds: every active agency (kind 'all', value ''), one agency by code
-- (kind 'agency'), or every agency of a kind (kind 'kind', e.g. 'school').
CREATE TABLE deadline_targets (
    date_id INTEGER NOT NULL REFERENCES deadline_dates (id),
    kind    TEXT NOT NULL CHECK (kind IN ('all', 'agency', 'kind')),
    value   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (date_id, kind, value)
);

INSERT INTO deadline_targets (date_id, kind, value)
    SELECT id, 'all', '' FROM deadline_dates WHERE targets = '*';
-- ",CA,kind:school," split at its commas.
WITH RECURSIVE split (date_id, item, rest) AS (
    SELECT id, '', substr(targets, 2) FROM deadline_dates WHERE targets <> '*'
    UNION ALL
    SELECT date_id, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
    FROM split WHERE instr(rest, ',') > 0
)
INSERT OR IGNORE INTO deadline_targets (date_id, kind, value)
    SELECT date_id,
           CASE WHEN substr(item, 1, 5) = 'kind:' THEN 'kind' ELSE 'agency' END,
           CASE WHEN substr(item, 1, 5) = 'kind:' THEN substr(item, 6) ELSE item END
    FROM split WHERE item <> '';

ALTER TABLE deadline_dates DROP COLUMN targets;
