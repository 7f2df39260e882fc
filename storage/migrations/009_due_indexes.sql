-- 009: every scheduled job and every per-message query reaches its rows through an index made
-- for it, so what they cost follows the work that is due, not what is stored (issue 10).
--
-- A partial index is used only when the query's WHERE repeats each term of the index's WHERE
-- (SQLite compares the expressions), so the queries in storage/tips.c, storage/tips_desk.c and
-- storage/convo.c spell these terms exactly as below; tests/unit/test_query_plans.c fails when
-- one of them reads a table through a scan instead.

-- How far the tip deadlines job (handlers/sla.c) has gone with a tip: the last message of a
-- stage recorded (in tip_reminders, which keeps each message "sent once") is also marked here,
-- so that a tip with nothing more to be reminded of leaves that stage's index. Without them, a
-- desk that never acknowledges, classifies or closes its tips would make every tick read every
-- such tip again.
ALTER TABLE tips ADD COLUMN sla_ack_done INTEGER;      -- the acknowledgement escalation (time)
ALTER TABLE tips ADD COLUMN sla_classify_done INTEGER; -- the classification reminder (time)
ALTER TABLE tips ADD COLUMN sla_overdue_for INTEGER;   -- the deadline_at whose overdue flag went

UPDATE tips SET sla_ack_done = (SELECT r.sent_at FROM tip_reminders r
                                 WHERE r.tip_id = tips.id AND r.kind = 'ack_escalation')
 WHERE id IN (SELECT tip_id FROM tip_reminders WHERE kind = 'ack_escalation');
UPDATE tips SET sla_classify_done = (SELECT r.sent_at FROM tip_reminders r
                                      WHERE r.tip_id = tips.id AND r.kind = 'classify')
 WHERE id IN (SELECT tip_id FROM tip_reminders WHERE kind = 'classify');
UPDATE tips SET sla_overdue_for = deadline_at
 WHERE id IN (SELECT tip_id FROM tip_reminders WHERE kind LIKE 'overdue:%')
   AND EXISTS (SELECT 1 FROM tip_reminders r
                WHERE r.tip_id = tips.id AND r.kind = 'overdue:' || tips.deadline_at);

-- The tip deadlines job: tips not acknowledged, not classified, with a deadline not yet flagged.
CREATE INDEX tips_due_ack ON tips (created_at)
    WHERE acknowledged_at IS NULL AND status = 'new' AND kind = 'tip' AND sla_ack_done IS NULL;
CREATE INDEX tips_due_classify ON tips (created_at)
    WHERE classified_at IS NULL AND kind = 'tip'
      AND status NOT IN ('resolved', 'rejected', 'duplicate', 'closed')
      AND sla_classify_done IS NULL;
CREATE INDEX tips_due_deadline ON tips (deadline_at)
    WHERE deadline_at IS NOT NULL AND kind = 'tip'
      AND status NOT IN ('resolved', 'rejected', 'duplicate', 'closed')
      AND sla_overdue_for IS NOT deadline_at;

-- The desk's lists: /tinmoi (new tips, urgent first), /quahan (open tips past their deadline),
-- and the summary an officer gets on enrolment (open tips by area).
CREATE INDEX tips_fresh ON tips (urgent DESC, created_at)
    WHERE acknowledged_at IS NULL AND status = 'new' AND kind != 'group_lead';
CREATE INDEX tips_overdue ON tips (deadline_at)
    WHERE deadline_at IS NOT NULL AND status NOT IN ('resolved', 'rejected', 'duplicate', 'closed');
CREATE INDEX tips_open_area ON tips (area)
    WHERE status NOT IN ('resolved', 'rejected', 'duplicate', 'closed');

-- A resident's reply to the desk's question: the open questions only.
CREATE INDEX tip_messages_open ON tip_messages (tip_id) WHERE open_question = 1;

-- The officers a tip goes to when no desk chat is configured (storage/people.c people_officers).
CREATE INDEX people_police ON people (area) WHERE role = 'police';

-- Unfinished guided reports, nudged and then expired by the drafts job (handlers/report.c).
CREATE INDEX conversations_idle ON conversations (nudged, updated_at);
