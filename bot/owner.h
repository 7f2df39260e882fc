/*
 * owner.h — this process as the owner of the messages it has on the wire, and the judgement
 * of whether another owner is gone.
 *
 * A row in "sending" is a request a sender has made and whose answer it awaits. Putting it
 * back in the queue while that sender lives sends it twice, so only processes that send
 * (`tipgate serve`, `tipgate chat`) register as owners (owner_register), every row they claim
 * names them (storage/outbox.h), and a row is queued again only when its owner is provably
 * gone. Operator commands register nothing and requeue nothing.
 *
 * Gone means the kernel says so: the machine has booted since (another boot id), no process
 * has the owner's pid, or the process with that pid started at another time (the pid was
 * reused), or it is a zombie. Only when the owner's process cannot be looked at (another pid
 * namespace, /proc hidden) is it judged by its heartbeat: gone after OWNER_LEASE_MS without
 * one. A live owner's rows are therefore never requeued — not by a second `serve` started by
 * mistake, not by `tipgate chat` beside `serve`.
 *
 * The worker of an owning process calls owner_tick() every OWNER_BEAT_MS: it renews the
 * heartbeat (a small committed write, which /healthz also uses as its probe of whether the
 * database accepts writes) and releases the rows of owners that have gone since.
 */
#ifndef TIPGATE_OWNER_H
#define TIPGATE_OWNER_H

#include "storage/outbox.h"

#include <stddef.h>
#include <stdint.h>

enum { OWNER_BEAT_MS = 5000, OWNER_LEASE_MS = 120000 };

/* The wall clock in ms, shared by every process on the machine (never the application clock,
 * which a test may shift in one process and not another). */
int64_t owner_wall_ms(void);

/* Fills me with what identifies this process on this machine; command is "serve" or "chat". */
void owner_identify(struct outbox_owner *me, const char *command, int64_t now_ms);

/* 1 when other is provably gone as seen from me (same machine) at wall_ms, else 0. */
int owner_gone(const struct outbox_owner *me, const struct outbox_owner *other, int64_t wall_ms);

/* Registers this process as an owner (me is filled, me->id assigned) and, in the same
 * transaction, queues again the rows of owners that are gone and rows claimed by a tipgate
 * older than owners; *requeued says how many went back to the queue. */
int owner_register(struct db *db, const char *command, int64_t now_ms, struct outbox_owner *me,
                   int64_t *requeued);

/* Renews me's heartbeat and releases the rows of owners gone since (*requeued). Returns the
 * status of the write transaction: DB_ERROR means the database refused it, and why (whylen
 * bytes) holds the database's reason. */
int owner_tick(struct db *db, const struct outbox_owner *me, int64_t *requeued, char *why,
               size_t whylen);

/* At a clean stop, once nothing is on the wire any more: puts back what me still has in
 * "sending" (*requeued) and forgets me. */
int owner_unregister(struct db *db, const struct outbox_owner *me, int64_t *requeued);

#endif
