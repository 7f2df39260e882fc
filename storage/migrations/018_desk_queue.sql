-- 018: the web desk's queue (storage/tips_queue.c), most urgent first. The queue is tips only
-- (kind 'tip': leads and feedback have their own pages), so the index holds only those, in the
-- queue's order: a page ordered by urgency walks it from its end and stops at the page's size,
-- instead of sorting every tip ever filed. Newest first walks the table itself (by id); the
-- other filters have their indexes already (migrations 009, 016).
CREATE INDEX tips_queue_urgent ON tips (urgent, id) WHERE kind = 'tip';
