/*
 * scheduler.h — everything time-based, run by the worker thread from the one clock: drafts
 * nudged and expired, tip acknowledgement / classification / resolution reminders. Due work is
 * computed from the database at every tick, never held in memory, so a restart catches up:
 * what was missed while the service was down is done once on start, and what was done is not
 * done again (each job records what it sent in the same transaction).
 */
#ifndef TIPGATE_SCHEDULER_H
#define TIPGATE_SCHEDULER_H

#include <stdint.h>

struct app;
struct db;

enum { SCHEDULER_TICK_MS = 1000 };

/* Runs every job once at now_ms, in one transaction on db. *touched gets the platforms that
 * received outbox rows. Returns 0, or -1 (rolled back; the next tick tries again). */
int scheduler_tick(struct app *app, struct db *db, int64_t now_ms, unsigned *touched);

#endif
