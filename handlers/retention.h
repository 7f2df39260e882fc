/*
 * retention.h — what tipgate forgets, and when: a scheduled job (bot/scheduler.c) that prunes
 * processed inbox rows, sent and failed outbox rows, expired button payloads, web chat
 * identities unused for months, the recipients of campaigns past their report period and the
 * photos uploaded from the web chat that nothing refers to any more, in small batches off the hot
 * path (the settings are retention.* in config/config.c; group leads have their own job,
 * handlers/groups.c group_tick). Tips, their audit log and their messages are never pruned here:
 * they keep their own (legal) retention.
 *
 * Nothing anyone is owed goes: an update not yet processed, a message queued or being sent, a
 * campaign still delivering, the identity of a browser with a message waiting or an open tip.
 */
#ifndef TIPGATE_RETENTION_H
#define TIPGATE_RETENTION_H

#include "storage/db.h"

struct hctx;

/* A batch of 100 rows holds the write lock about a millisecond on a database of a million
 * rows; one of 500 dirtied enough pages to set off a WAL checkpoint at nearly every commit
 * (20 ms). Five a tick work off a backlog of a million rows in about half an hour. */
enum {
    RETENTION_BATCH = 100,          /* rows deleted per write transaction */
    RETENTION_BATCHES_PER_TICK = 5, /* write transactions per tick, at most */
};
/* An uploaded photo is kept this long at least after it was last stored, whatever refers to it:
 * between its upload and its inbox row, and while that row waits, nothing in the database
 * names it yet. Afterwards it stays while a tip, an update not yet processed or a draft
 * (tips.draft_expire_hours) refers to it. A step looks at 16 of the 256 subdirectories of
 * uploads/ (a ward's photos by the thousand: a few dozen files and lookups). */
enum {
    RETENTION_UPLOAD_GRACE_DAYS = 1,
    RETENTION_UPLOAD_DIRS = 16,
};
#define RETENTION_PASS_MS (10 * 60 * 1000LL) /* a pass at most every 10 minutes */

/* The scheduled job: goes on with the pass in progress (a few batches), or starts one when
 * the last is RETENTION_PASS_MS old. Logs one line per pass that pruned anything. Called
 * outside any transaction; each batch is its own (db_write). 0, or -1 when a batch
 * failed (rolled back; the pass goes on at the next tick). */
int retention_tick(struct hctx *ctx);

#endif
