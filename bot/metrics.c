/*
 * metrics.c — see metrics.h. The counting thread wakes every second (or when a request finds
 * the counts stale) and counts when they are older than METRICS_MAX_AGE_MS and someone has
 * read /metrics in the last METRICS_READ_WINDOW_MS: a scraper polling every 15 s gets counts at
 * most about 10 s old, and a service nobody watches never scans. The text is built into one
 * bounded buffer.
 */
#include "bot/metrics.h"

#include "bot/app_core.h"
#include "base/clock.h"
#include "bot/health.h"
#include "base/log.h"
#include "text/textengine.h"
#include "storage/inbox.h"
#include "storage/outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The counts, as last made. */
struct metrics_counts {
    int64_t at_mono; /* 0: none yet */
    int64_t inbox_pending;
    struct outbox_tally outbox[OUTBOX_TALLY_MAX];
    int noutbox;
};

struct metrics {
    struct app *app;
    struct db *db; /* the counting thread's */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    int want;                     /* count now: at start, or a request found the counts stale */
    int64_t read_at;              /* monotonic: the last request; 0 none */
    struct metrics_counts counts; /* under lock */
};

/* Counts on the thread's own connection, without the lock; 0 or -1. */
static int metrics_count(struct metrics *m, struct metrics_counts *c)
{
    memset(c, 0, sizeof *c);
    if (inbox_count_pending(m->db, NULL, &c->inbox_pending) != DB_OK ||
        outbox_tally(m->db, c->outbox, OUTBOX_TALLY_MAX, &c->noutbox) != DB_OK)
        return -1;
    c->at_mono = clock_mono_ms();
    return 0;
}

/* Whether to count now (lock held). */
static int metrics_due(const struct metrics *m, int64_t mono)
{
    int stale = !m->counts.at_mono || mono - m->counts.at_mono >= METRICS_MAX_AGE_MS;
    int watched = m->read_at && mono - m->read_at < METRICS_READ_WINDOW_MS;
    return m->want || (stale && watched);
}

static void metrics_nap(struct metrics *m)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 1;
    pthread_cond_timedwait(&m->cond, &m->lock, &until);
}

static void *metrics_main(void *arg)
{
    struct metrics *m = arg;
    pthread_mutex_lock(&m->lock);
    while (!m->stop) {
        if (!metrics_due(m, clock_mono_ms())) {
            metrics_nap(m);
            continue;
        }
        m->want = 0;
        pthread_mutex_unlock(&m->lock);
        struct metrics_counts *c = malloc(sizeof *c);
        int ok = c && metrics_count(m, c) == 0;
        if (!ok)
            log_warn("metrics", "cannot count the queues; /metrics keeps the last counts");
        pthread_mutex_lock(&m->lock);
        if (ok)
            m->counts = *c;
        free(c);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

int metrics_start(struct app *app, struct metrics **out)
{
    *out = NULL;
    struct metrics *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->app = app;
    m->want = 1;
    pthread_mutex_init(&m->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cond, &attr);
    pthread_condattr_destroy(&attr);
    if (app_open_db(app, &m->db) != 0 || pthread_create(&m->thread, NULL, metrics_main, m) != 0) {
        db_close(m->db);
        pthread_cond_destroy(&m->cond);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return -1;
    }
    pthread_setname_np(m->thread, "metrics");
    *out = m;
    return 0;
}

void metrics_stop(struct metrics *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stop = 1;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    db_close(m->db);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* A bounded text buffer: appends past the end are dropped and remembered. */
struct metrics_buf {
    char *s;
    size_t len, cap;
    int full;
};

__attribute__((format(printf, 2, 3))) static void metrics_put(struct metrics_buf *b,
                                                              const char *fmt, ...)
{
    if (b->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        b->s[b->len] = '\0';
        b->full = 1;
        return;
    }
    b->len += (size_t)n;
}

static void metrics_family(struct metrics_buf *b, const char *name, const char *type,
                           const char *help)
{
    metrics_put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One gauge or counter per platform that has reported, from the snapshot. */
enum metrics_field {
    MF_TOKEN_REFUSED,
    MF_IN_FLIGHT,
    MF_DUE,
    MF_PAUSED,
    MF_STALLED,
    MF_DELIVERED,
    MF_GIVEN_UP,
    MF_RETRIED,
    MF_COUNT
};

static const struct {
    const char *name, *type, *help;
} metrics_fields[MF_COUNT] = {
    {"tipgate_platform_token_refused", "gauge",
     "1 while the platform refuses the bot token (401 or 404)."},
    {"tipgate_sender_in_flight", "gauge", "Send requests waiting for the platform's answer."},
    {"tipgate_sender_due", "gauge",
     "Due messages the sender found at its last look (at most its free slots)."},
    {"tipgate_sender_paused", "gauge", "1 while a platform-wide pause (throttled, down) holds."},
    {"tipgate_sender_stalled", "gauge",
     "1 when messages have waited 120 s with none delivered or given up in that time."},
    {"tipgate_sender_delivered_total", "counter", "Messages the platform accepted."},
    {"tipgate_sender_given_up_total", "counter", "Messages failed for good."},
    {"tipgate_sender_retries_total", "counter", "Sends answered with try-again-later."},
};

static double metrics_value(const struct health_platform *p, enum metrics_field f, int64_t now)
{
    switch (f) {
    case MF_TOKEN_REFUSED:
        return p->token_refused;
    case MF_IN_FLIGHT:
        return p->in_flight;
    case MF_DUE:
        return p->due;
    case MF_PAUSED:
        return p->paused;
    case MF_STALLED:
        return health_stalled(p, now);
    case MF_DELIVERED:
        return (double)p->delivered;
    case MF_GIVEN_UP:
        return (double)p->given_up;
    case MF_RETRIED:
    case MF_COUNT:
        break;
    }
    return (double)p->retried;
}

static void metrics_platforms(struct metrics_buf *b, const struct health_snap *s, int64_t now)
{
    for (int f = 0; f < MF_COUNT; f++) {
        metrics_family(b, metrics_fields[f].name, metrics_fields[f].type, metrics_fields[f].help);
        for (int i = 0; i < PLATFORM_MAX && platform_registry[i]; i++) {
            const struct health_platform *p = &s->p[i];
            if (!p->reported || (f != MF_TOKEN_REFUSED && !p->has_sender))
                continue;
            metrics_put(b, "%s{platform=\"%s\"} %.0f\n", metrics_fields[f].name,
                        platform_registry[i]->name, metrics_value(p, (enum metrics_field)f, now));
        }
    }
}

/* How long the scheduler's ticks take: what every due job costs, which must not grow with what
 * is stored (issue 10). */
static void metrics_scheduler(struct metrics_buf *b, const struct health_snap *s)
{
    metrics_family(b, "tipgate_scheduler_last_tick_seconds", "gauge",
                   "Wall time of the scheduler's last tick.");
    metrics_put(b, "tipgate_scheduler_last_tick_seconds %.6f\n", (double)s->tick_last_us / 1e6);
    metrics_family(b, "tipgate_scheduler_tick_seconds_total", "counter",
                   "Wall time of all the scheduler's ticks since start.");
    metrics_put(b, "tipgate_scheduler_tick_seconds_total %.6f\n", (double)s->tick_total_us / 1e6);
    metrics_family(b, "tipgate_scheduler_ticks_total", "counter",
                   "Scheduler ticks since start (one a second).");
    metrics_put(b, "tipgate_scheduler_ticks_total %llu\n", (unsigned long long)s->ticks);
}

static void metrics_health(struct metrics_buf *b, const struct health_snap *s,
                           const struct textengine *te, int64_t now)
{
    char problems[HEALTH_PROBLEMS_MAX][HEALTH_LINE_MAX];
    int n = 0;
    int healthy = health_check(s, now, problems, &n);
    metrics_family(b, "tipgate_up", "gauge", "1 when /healthz answers 200, 0 when 503.");
    metrics_put(b, "tipgate_up %d\n", healthy);
    metrics_family(b, "tipgate_info", "gauge", "The version running.");
    metrics_put(b, "tipgate_info{version=\"%s\"} 1\n", TIPGATE_VERSION);
    metrics_family(b, "tipgate_database_writable", "gauge",
                   "0 when the last write transaction failed (disk full, read-only), else 1.");
    metrics_put(b, "tipgate_database_writable %d\n", s->db_state != 0);
    metrics_family(b, "tipgate_worker_updates_total", "counter",
                   "Updates the worker has processed since start.");
    metrics_put(b, "tipgate_worker_updates_total %llu\n", (unsigned long long)s->handled);
    metrics_family(b, "tipgate_text_analyses_total", "counter",
                   "Texts the text engine has read since start: each message's text once.");
    metrics_put(b, "tipgate_text_analyses_total %llu\n", (unsigned long long)textengine_runs(te));
    metrics_family(b, "tipgate_worker_last_turn_seconds", "gauge",
                   "Seconds since the worker last came round.");
    metrics_put(b, "tipgate_worker_last_turn_seconds %.3f\n", (double)s->worker_age_ms / 1000.0);
    metrics_scheduler(b, s);
    metrics_platforms(b, s, now);
}

static void metrics_counts(struct metrics_buf *b, const struct metrics_counts *c, int64_t mono)
{
    if (!c->at_mono)
        return; /* the first count is not done yet */
    metrics_family(b, "tipgate_counts_age_seconds", "gauge",
                   "Age of the counts below (made off the request path every 10 s while read).");
    metrics_put(b, "tipgate_counts_age_seconds %.3f\n", (double)(mono - c->at_mono) / 1000.0);
    metrics_family(b, "tipgate_inbox_pending", "gauge", "Updates stored and not yet processed.");
    metrics_put(b, "tipgate_inbox_pending %lld\n", (long long)c->inbox_pending);
    metrics_family(b, "tipgate_outbox_messages", "gauge", "Outbox rows by platform and status.");
    for (int i = 0; i < c->noutbox; i++)
        metrics_put(b, "tipgate_outbox_messages{platform=\"%s\",status=\"%s\"} %lld\n",
                    c->outbox[i].platform, c->outbox[i].status, (long long)c->outbox[i].count);
}

char *metrics_render(struct metrics *m)
{
    struct metrics_buf b = {.s = malloc(METRICS_TEXT_MAX), .cap = METRICS_TEXT_MAX};
    struct metrics_counts *c = malloc(sizeof *c);
    if (!b.s || !c) {
        free(b.s);
        free(c);
        return NULL;
    }
    b.s[0] = '\0';
    struct health_snap snap;
    health_snapshot(m->app->health, &snap);
    int64_t now = clock_now_ms(), mono = clock_mono_ms();
    pthread_mutex_lock(&m->lock);
    *c = m->counts;
    m->read_at = mono;
    if (!c->at_mono || mono - c->at_mono >= METRICS_MAX_AGE_MS) {
        m->want = 1;
        pthread_cond_signal(&m->cond);
    }
    pthread_mutex_unlock(&m->lock);
    metrics_health(&b, &snap, m->app->te, now);
    metrics_counts(&b, c, mono);
    free(c);
    if (b.full)
        log_warn("metrics", "the /metrics text exceeds %d bytes: cut", METRICS_TEXT_MAX);
    return b.s;
}
