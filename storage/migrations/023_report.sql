-- 023: the ward's period report (tipgate report, storage/stats.c) counts the rows of a period
-- in the small tables of scams, campaigns and subscribers through these indexes rather than by
-- reading each table whole. Tips, their messages and audit rows already have theirs
-- (tips_kind_created, tip_messages_direction, audit_tip).

CREATE INDEX scam_warnings_at ON scam_warnings (at);
CREATE INDEX scam_suspects_reported ON scam_suspects (reported_at);
CREATE INDEX scam_items_created ON scam_items (created_at);
CREATE INDEX campaigns_started ON campaigns (started_at) WHERE started_at IS NOT NULL;
-- Subscribers as of a day: the subscribed ones, by when they subscribed.
CREATE INDEX subscriptions_since ON subscriptions (created_at) WHERE status = 'subscribed';
