/*
 * db_writes.c — see db_writes.h. Process-wide like the disk it is about: one database per
 * process (every connection opens the same file), so one episode. The times are monotonic: a
 * wall clock set back during an outage must not make it look shorter.
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
static atomic_int db_writes_on;                /* db_writes_now.refusing, read without the lock */
static atomic_uint_fast64_t db_writes_total;

void db_writes_refused(const char *why)
{
    atomic_fetch_add(&db_writes_total, 1);
    pthread_mutex_lock(&db_writes_lock);
    int first = !db_writes_now.refusing;
    if (first) {
        db_writes_now.refusing = 1;
        db_writes_now.since_mono_ms = clock_mono_ms();
        db_writes_now.refusals = 0;
        snprintf(db_writes_now.why, sizeof db_writes_now.why, "%s",
                 why && *why ? why : "no space left");
        atomic_store(&db_writes_on, 1);
    }
    db_writes_now.refusals++;
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
    pthread_mutex_lock(&db_writes_lock);
    int ended = db_writes_now.refusing;
    int64_t took = clock_mono_ms() - db_writes_now.since_mono_ms;
    uint64_t refusals = db_writes_now.refusals;
    db_writes_now.refusing = 0;
    atomic_store(&db_writes_on, 0);
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
