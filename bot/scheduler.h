/*
 * scheduler.h — everything time-based, run by the worker thread from the one clock: drafts
 * nudged and expired, tip acknowledgement / classification / resolution reminders. Due work is
 * computed from the database at every tick, never held in memory, so a restart catches up:
 * what was missed while the service was down is done once on start, and what was done is not
 * done again (each job records what it sent in the same transaction as the message).
 *
 * Each job is called outside any transaction. It first finds its due work with reads on
 * indexes made for it (a tick with nothing due reads a few index pages and writes nothing),
 * then opens a short write transaction only when it has work, for a small batch
 * (handlers/handler.h hctx_in_write), so a job never holds up intake for more than a few
 * milliseconds. A job returns 0, or -1 when something failed (what it committed before
 * stands; the rest is done at the next tick).
 */
#ifndef TIPGATE_SCHEDULER_H
#define TIPGATE_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct db;
struct hctx;

enum { SCHEDULER_TICK_MS = 1000 };

/* Runs every job once at now_ms on db, which must not be in a transaction. *touched gets the
 * platforms that received outbox rows — also when a job failed, since what the jobs before it
 * committed is to be sent. Returns 0, or -1 when a job failed (logged; the other jobs still
 * ran, and the next tick tries again). The tick's wall time goes to /metrics (bot/health.h
 * health_scheduler_tick). */
int scheduler_tick(struct app *app, struct db *db, int64_t now_ms, unsigned *touched);
/* The i-th job of a tick, in the order they run (for tests: each alone): its name and
 * function. 0, or -1 past the last. */
int scheduler_job(size_t i, const char **name, int (**run)(struct hctx *ctx));

#endif
