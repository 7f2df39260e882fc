-- 008: who may put an in-flight message back in the queue.
--
-- A row in "sending" is on the wire: a sender asked the platform and waits for its answer.
-- Queueing it again while its sender lives sends it twice, so every process that sends
-- (`tipgate serve`, `tipgate chat`) registers here, every row it claims names it, and only the
-- rows of an owner that is provably gone are queued again (bot/owner.c decides). Operator
-- commands (`enrol`, `campaign`, ...) own nothing and requeue nothing.

CREATE TABLE outbox_owners (
    id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: rows name their claimant
    pid          INTEGER NOT NULL,
    boot_id      TEXT NOT NULL,    -- the kernel's boot id: no process outlives a reboot
    pid_ns       TEXT NOT NULL,    -- the pid namespace: a pid means something only inside it
    start_ticks  INTEGER NOT NULL, -- the process's start time since boot: a reused pid differs
    command      TEXT NOT NULL,    -- serve, chat: for the operator reading this table
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL  -- wall clock, renewed every few seconds; judged only when
                                   -- the process cannot be looked at (another namespace)
);

-- The owner that claimed the row (NULL: never claimed, or claimed by a tipgate older than
-- this migration).
ALTER TABLE outbox ADD COLUMN claimed_by INTEGER;
CREATE INDEX outbox_in_flight ON outbox (claimed_by) WHERE status = 'sending';
