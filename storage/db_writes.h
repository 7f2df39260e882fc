/*
 * db_writes.h — the database refusing writes for lack of space, kept as episodes of the whole
 * process.
 *
 * A full disk (SQLITE_FULL, or an I/O error whose errno is ENOSPC or EDQUOT: the WAL, its
 * index, an fsync) fails every writer at once — a webhook, a receiver, the web chat, the
 * worker, the senders, the scheduler's jobs — and each would log its failure every time it
 * tried again. storage/db.c reports every refusal here instead of logging it: the first one of
 * an episode logs one error line with the reason, later ones are only counted, and the episode
 * ends at the first write that commits once no write has been refused for DB_WRITES_QUIET_MS,
 * with one line saying how long writes were refused (until the first commit after the last
 * refusal) and how many. The writers ask db_writes_refusing() to choose what to answer
 * (a webhook 503, "not saved, retry" to the web chat) and to keep their own logs quiet;
 * bot/health.c reads the episode for /healthz. One mutex guards it; the end of an episode is
 * checked on every commit without taking it (an atomic flag).
 */
#ifndef TIPGATE_DB_WRITES_H
#define TIPGATE_DB_WRITES_H

#include <stddef.h>
#include <stdint.h>

enum { DB_WRITES_WHY_MAX = 200 };
/* No refusal for this long, then a commit: the episode is over. Longer than the owner
 * heartbeat's 5 s and the worker's longest pause between tries on a full disk (4 s), so a disk
 * that stays full, where small writes still fit and big ones do not, stays one episode. */
enum { DB_WRITES_QUIET_MS = 10000 };

/* A snapshot of the current episode (refusing 0: writes are accepted). */
struct db_writes_episode {
    int refusing;
    char why[DB_WRITES_WHY_MAX]; /* the first refusal's reason */
    int64_t since_mono_ms;       /* when it began (clock_mono_ms) */
    uint64_t refusals;           /* writes refused in it so far */
};

/* A write was refused for lack of space; why is SQLite's message (with the system error). The
 * first refusal of an episode logs it. */
void db_writes_refused(const char *why);
/* A write committed: ends the episode, if one is on and quiet for DB_WRITES_QUIET_MS, with its
 * one info line. */
void db_writes_accepted(void);
/* Whether an episode is on: a write was refused and the episode has not ended (see above).
 * Cheap: no lock. */
int db_writes_refusing(void);
/* Every refusal since the process started; a writer compares two readings to learn whether
 * anything was refused while it worked (the worker: "this update's handling hit a full disk",
 * never "this update failed"). */
uint64_t db_writes_refusals_total(void);
/* The quiet period instead of DB_WRITES_QUIET_MS (a unit test's, before any thread runs). */
void db_writes_set_quiet_ms(int64_t ms);
/* Copies the current episode into *out. */
void db_writes_episode(struct db_writes_episode *out);

#endif
