-- 025: each chat's next message, marked. A chat gets its messages in order, one at a time: a row
-- may go only when no older row of its chat is queued or sending. The sender used to find those
-- rows by walking every queued row and looking for an older one of the same chat, so one look
-- cost as much as the backlog (45-65 ms at 30,000-50,000 rows owed to a few desk chats, in the
-- soak of issue 17): a service that fell behind could not catch up. Now the oldest owed row of
-- each chat carries head = 1, kept so by the triggers below, and the sender reads only heads
-- through the partial index outbox_heads: a look costs what it returns.
--
-- The invariant: among a chat's rows in 'queued' or 'sending', exactly the oldest has head = 1;
-- every other row has head = 0. Rows only ever leave 'queued'/'sending' for 'sent'/'failed'
-- (never back), are deleted only once done, and change chat only when a group becomes a
-- supergroup (storage/platform_store.c). storage/outbox.c repairs the marks at start anyway
-- (outbox_repair_heads), since a message without its mark would never go.
ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;

UPDATE outbox SET head = 1 WHERE id IN (
    SELECT min(id) FROM outbox WHERE status IN ('queued', 'sending') GROUP BY platform, chat_id);

CREATE INDEX outbox_heads ON outbox (platform, priority, next_attempt_at, id)
    WHERE status = 'queued' AND head = 1;

-- A new row is its chat's head when nothing older is owed to the chat (ids only grow).
CREATE TRIGGER outbox_head_insert AFTER INSERT ON outbox
WHEN NEW.status IN ('queued', 'sending') BEGIN
    UPDATE outbox SET head = 1 WHERE id = NEW.id AND NOT EXISTS (
        SELECT 1 FROM outbox p WHERE p.platform = NEW.platform AND p.chat_id = NEW.chat_id
        AND p.status IN ('queued', 'sending') AND p.id < NEW.id);
END;

-- A head that is sent or failed hands the mark to the chat's next owed row.
CREATE TRIGGER outbox_head_done AFTER UPDATE OF status ON outbox
WHEN OLD.head = 1 AND NEW.status IN ('sent', 'failed') BEGIN
    UPDATE outbox SET head = 0 WHERE id = NEW.id;
    UPDATE outbox SET head = 1 WHERE id = (
        SELECT min(id) FROM outbox WHERE platform = NEW.platform AND chat_id = NEW.chat_id
        AND status IN ('queued', 'sending'));
END;

-- So does a head deleted while owed (nothing does that today; a message must not be stranded).
CREATE TRIGGER outbox_head_delete AFTER DELETE ON outbox
WHEN OLD.head = 1 AND OLD.status IN ('queued', 'sending') BEGIN
    UPDATE outbox SET head = 1 WHERE id = (
        SELECT min(id) FROM outbox WHERE platform = OLD.platform AND chat_id = OLD.chat_id
        AND status IN ('queued', 'sending'));
END;

-- A row moved to another chat (a group became a supergroup): the marks of both chats are
-- recomputed. Rare, and a group's owed rows are few.
CREATE TRIGGER outbox_head_move AFTER UPDATE OF chat_id ON outbox
WHEN NEW.status IN ('queued', 'sending') BEGIN
    UPDATE outbox SET head = (id = (
        SELECT min(id) FROM outbox WHERE platform = OLD.platform AND chat_id = OLD.chat_id
        AND status IN ('queued', 'sending')))
    WHERE platform = OLD.platform AND chat_id = OLD.chat_id AND status IN ('queued', 'sending');
    UPDATE outbox SET head = (id = (
        SELECT min(id) FROM outbox WHERE platform = NEW.platform AND chat_id = NEW.chat_id
        AND status IN ('queued', 'sending')))
    WHERE platform = NEW.platform AND chat_id = NEW.chat_id AND status IN ('queued', 'sending');
END;
