-- 023: the ward's period report (tipgate report, storage/stats.c) counts the rows of a period
-- through these indexes rather than by reading a table whole: the small tables of scams,
-- campaigns and subscribers, and the tips (tips_report, at the end). The tips' messages and
-- audit rows already have theirs (tip_messages_direction, audit_tip).

CREATE INDEX scam_warnings_at ON scam_warnings (at);
CREATE INDEX scam_suspects_reported ON scam_suspects (reported_at);
CREATE INDEX scam_items_created ON scam_items (created_at);
CREATE INDEX campaigns_started ON campaigns (started_at) WHERE started_at IS NOT NULL;
-- Subscribers as of a day: the subscribed ones, by when they subscribed.
CREATE INDEX subscriptions_since ON subscriptions (created_at) WHERE status = 'subscribed';
-- The period's tips with every column the report's figures read, in the order of the period
-- (kind, created_at): the report reads these entries and never the rows, whose descriptions
-- often overflow a page (a quarter at a million tips: 20 s through tips_kind_created and the
-- rows, 1 s through this index). Each tip write updates one index more: tips are few a day.
CREATE INDEX tips_report ON tips (kind, created_at, status, area, category, platform, urgent,
    acknowledged_at, closed_at, deadline_at, extensions, updated_at);
-- Whether a finished tip's tipster was told the outcome: its status messages by time, without
-- reading the messages (a year at a million tips: 3.6 s through tip_messages_direction and the
-- rows, 0.4 s through this).
CREATE INDEX tip_messages_told ON tip_messages (tip_id, created_at) WHERE direction = 'status';
