/*
 * db_writes.c — see db_writes.h. Process-wide like the disk it is about: one database per
 * process (every connection opens the same file), so one episode. The times are monotonic: a
 * wall clock set back during an outage must not make it look shorter.
 *
 * Why the episode outlives the first commit by DB_WRITES_QUIET_MS: on a disk that stays full a
 * small write often fits where a big one does not — a failed WAL append leaves the file longer
 * than its valid frames, and the next transaction of a page or two (the owner heartbeat) is
 * written into that slack — so "refused, accepted, refused" alternated every 5 s (measured with
 * bench/full_disk.py on a tmpfs that filled again), and each turn logged two lines.
 */
#include "storage/db_writes.h"

#include "base/clock.h"
#include "base/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t db_writes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db_writes_episode db_writes_now; /* under db_writes_lock */
static int64_t db_writes_last_refusal;         /* mono ms, under the lock */
static int64_t db_writes_accepted_at;          /* the first commit after it; 0 none yet */
static atomic_int db_writes_on;                /* db_writes_now.refusing, read without the lock */
static atomic_uint_fast64_t db_writes_total;
static int64_t db_writes_quiet_ms = DB_WRITES_QUIET_MS; /* set once by a test, before threads */

void db_writes_set_quiet_ms(int64_t ms)
{
    db_writes_quiet_ms = ms;
}

void db_writes_refused(const char *why)
{
    atomic_fetch_add(&db_writes_total, 1);
    int64_t now = clock_mono_ms();
    pthread_mutex_lock(&db_writes_lock);
    int first = !db_writes_now.refusing;
    if (first) {
        db_writes_now.refusing = 1;
        db_writes_now.since_mono_ms = now;
        db_writes_now.refusals = 0;
        snprintf(db_writes_now.why, sizeof db_writes_now.why, "%s",
                 why && *why ? why : "no space left");
        atomic_store(&db_writes_on, 1);
    }
    db_writes_now.refusals++;
    db_writes_last_refusal = now;
    db_writes_accepted_at = 0;
    char shown[DB_WRITES_WHY_MAX];
    memcpy(shown, db_writes_now.why, sizeof shown);
    pthread_mutex_unlock(&db_writes_lock);
    if (first) /* outside the lock: the log has its own */
        log_error("db",
                  "the database refuses writes: %s — nothing is acknowledged until space "
                  "returns (platforms resend, the web chat retries); /healthz answers 503",
                  shown);
}

void db_writes_accepted(void)
{
    if (!atomic_load(&db_writes_on))
        return;
    int64_t now = clock_mono_ms();
    pthread_mutex_lock(&db_writes_lock);
    if (db_writes_now.refusing && !db_writes_accepted_at)
        db_writes_accepted_at = now;
    int ended = db_writes_now.refusing && now - db_writes_last_refusal >= db_writes_quiet_ms;
    int64_t took = db_writes_accepted_at - db_writes_now.since_mono_ms;
    uint64_t refusals = db_writes_now.refusals;
    if (ended) {
        db_writes_now.refusing = 0;
        atomic_store(&db_writes_on, 0);
    }
    pthread_mutex_unlock(&db_writes_lock);
    if (ended)
        log_info("db", "writes accepted again after %lld s, %llu refusals",
                 (long long)((took + 500) / 1000), (unsigned long long)refusals);
}
int db_writes_refusing(void)
{
    return atomic_load(&db_writes_on);
}

uint64_t db_writes_refusals_total(void)
{
    return atomic_load(&db_writes_total);
}

void db_writes_episode(struct db_writes_episode *out)
{
    pthread_mutex_lock(&db_writes_lock);
    *out = db_writes_now;
    pthread_mutex_unlock(&db_writes_lock);
}
