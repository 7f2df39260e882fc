-- 020: the web desk's queue (storage/tips_queue.c), measured by bench/desk.py.
-- Its open tips (the queue filtered by open statuses, and the summary): tips_open_area
-- (migration 009) holds every open row of every kind, and a ward's group leads mostly stay
-- 'new': at 100,000 rows about 30,000 open leads against 300 open tips, each read from the table
-- to be thrown away by kind = 'tip' (the commander's summary took 270 ms). This index holds the
-- open tips only, so both read what is being worked on.
CREATE INDEX tips_queue_open ON tips (area, id)
    WHERE kind = 'tip' AND status NOT IN ('resolved', 'rejected', 'duplicate', 'closed');

-- A category's tips in id order (the queue's category filter): newest first, a page walks the
-- index and stops at its size, where walking the table would read every tip of the other
-- categories in between (a rare category: the whole table).
CREATE INDEX tips_queue_category ON tips (category, id) WHERE kind = 'tip';

-- A tip's messages by direction (the replies waiting of each row and of the summary: the
-- tipster's messages after the desk's last one), read from the index alone.
CREATE INDEX tip_messages_direction ON tip_messages (tip_id, direction, id);
