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
#include "base/secure.h"
#include "bot/health.h"
#include "base/log.h"
#include "config/config.h"
#include "text/textengine.h"
#include "storage/inbox.h"
#include "storage/outbox.h"
#include "storage/tips_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { METRICS_TOKEN_MAX = 512, METRICS_TIPS_MAX = 8 };

struct metrics_settings {
    char *token;
};

static const struct cfg_spec metrics_spec[] = {
    {"token", CFG_SECRET, offsetof(struct metrics_settings, token), "", 0, 0, 0, NULL, NULL},
};

static int metrics_check(const struct cfg *cfg, const void *settings, char *why, size_t whylen)
{
    (void)cfg;
    const struct metrics_settings *s = settings;
    if (!s->token || strlen(s->token) < METRICS_TOKEN_MAX)
        return 0;
    snprintf(why, whylen, "metrics.token: at most %d bytes", METRICS_TOKEN_MAX - 1);
    return -1;
}

const struct cfg_block metrics_settings = {
    .prefix = "metrics",
    .spec = metrics_spec,
    .n_spec = sizeof metrics_spec / sizeof metrics_spec[0],
    .size = sizeof(struct metrics_settings),
    .strict = true,
    .check = metrics_check,
};

/* The counts, as last made. */
struct metrics_counts {
    int64_t at_mono; /* 0: none yet */
    int64_t took_ms; /* how long the counting took (off the request path) */
    int64_t inbox_pending;
    struct outbox_tally outbox[OUTBOX_TALLY_MAX];
    int noutbox;
    struct outbox_tally depth[OUTBOX_TALLY_MAX];
    int ndepth;
    struct tips_queue_status_count tips[METRICS_TIPS_MAX];
    int ntips;
    int64_t db_bytes, wal_bytes; /* -1: the file is not there (no WAL between checkpoints) */
};

struct metrics {
    struct app *app;
    const char *token; /* "" none; borrowed from the cfg */
    struct db *db;     /* the counting thread's */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    int want;                     /* count now: at start, or a request found the counts stale */
    int64_t read_at;              /* monotonic: the last request; 0 none */
    struct metrics_counts counts; /* under lock */
};

/* The size of a file in bytes, -1 when it is not there. */
static int64_t metrics_file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Counts on the thread's own connection, without the lock; 0 or -1. */
static int metrics_count(struct metrics *m, struct metrics_counts *c)
{
    memset(c, 0, sizeof *c);
    int64_t started = clock_mono_ms();
    if (inbox_count_pending(m->db, NULL, &c->inbox_pending) != DB_OK ||
        outbox_tally(m->db, c->outbox, OUTBOX_TALLY_MAX, &c->noutbox) != DB_OK ||
        outbox_depth(m->db, c->depth, OUTBOX_TALLY_MAX, &c->ndepth) != DB_OK ||
        tips_queue_open_by_status(m->db, clock_now_ms(), c->tips, METRICS_TIPS_MAX, &c->ntips) !=
            DB_OK)
        return -1;
    const char *path = m->app->cfg->storage_path;
    char wal[4096];
    c->db_bytes = metrics_file_bytes(path);
    c->wal_bytes =
        snprintf(wal, sizeof wal, "%s-wal", path) < (int)sizeof wal ? metrics_file_bytes(wal) : -1;
    c->at_mono = clock_mono_ms();
    c->took_ms = c->at_mono - started;
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
    const struct metrics_settings *set = cfg_settings(app->cfg, &metrics_settings);
    m->token = set && set->token ? set->token : "";
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
    char version[64];
    metrics_label_escape(TIPGATE_VERSION, version, sizeof version);
    metrics_put(b, "tipgate_info{version=\"%s\"} 1\n", version);
    metrics_family(b, "tipgate_database_writable", "gauge",
                   "0 when the last write transaction failed (disk full, read-only), else 1.");
    metrics_put(b, "tipgate_database_writable %d\n", s->db_state != 0);
    metrics_family(b, "tipgate_database_writes_refused_total", "counter",
                   "Writes the disk refused for lack of space since start (each answered: "
                   "platforms resend, the web chat retries).");
    metrics_put(b, "tipgate_database_writes_refused_total %llu\n",
                (unsigned long long)s->db_refused_total);
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

/* Whether platform i is counted: started here, or reported by a receiver or sender. */
static int metrics_platform_on(const struct metrics *m, const struct health_snap *s, int i)
{
    return m->app->pstarted[i] || s->p[i].reported;
}

/* One histogram's series: cumulative buckets ending in +Inf, then _sum and _count. labels is
 * "" or 'name="value",' (with its trailing comma). */
static void metrics_hist(struct metrics_buf *b, const char *name, const char *labels,
                         const struct health_hist *hh)
{
    uint64_t cum = 0;
    for (int i = 0; i < HEALTH_BUCKETS; i++) {
        cum += hh->bucket[i];
        if (i < HEALTH_BOUNDS)
            metrics_put(b, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels, health_bounds[i],
                        (unsigned long long)cum);
        else
            metrics_put(b, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels,
                        (unsigned long long)cum);
    }
    int n = (int)strlen(labels);
    if (n > 0) /* the labels without their trailing comma */
        metrics_put(b, "%s_sum{%.*s} %.6f\n%s_count{%.*s} %llu\n", name, n - 1, labels, hh->sum,
                    name, n - 1, labels, (unsigned long long)hh->count);
    else
        metrics_put(b, "%s_sum %.6f\n%s_count %llu\n", name, hh->sum, name,
                    (unsigned long long)hh->count);
}

/* The per-platform counters of updates: what came in, what the worker did with it. */
static void metrics_updates(struct metrics_buf *b, const struct metrics *m,
                            const struct health_snap *s)
{
    static const struct {
        const char *name, *help;
        size_t offset;
    } fam[] = {
        {"tipgate_updates_received_total",
         "Updates stored in the inbox (redeliveries not counted).",
         offsetof(struct health_platform, received)},
        {"tipgate_updates_handled_total", "Updates the worker processed, failed ones included.",
         offsetof(struct health_platform, handled)},
        {"tipgate_updates_failed_total",
         "Updates whose handler failed (kept in the inbox with the error).",
         offsetof(struct health_platform, failed)},
    };
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        metrics_family(b, fam[f].name, "counter", fam[f].help);
        for (int i = 0; i < PLATFORM_MAX && platform_registry[i]; i++) {
            uint64_t v;
            memcpy(&v, (const char *)&s->p[i] + fam[f].offset, sizeof v);
            if (metrics_platform_on(m, s, i))
                metrics_put(b, "%s{platform=\"%s\"} %llu\n", fam[f].name,
                            platform_registry[i]->name, (unsigned long long)v);
        }
    }
}

/* Sends by how the platform answered, and the latency histograms by platform. */
static void metrics_sends(struct metrics_buf *b, const struct metrics *m,
                          const struct health_snap *s)
{
    metrics_family(b, "tipgate_sends_total", "counter",
                   "Send requests by how the platform answered (sent, 429, 400, 401, 403, 404, "
                   "4xx, 5xx, timeout, network, other).");
    for (int i = 0; i < PLATFORM_MAX && platform_registry[i]; i++)
        for (int o = 0; s->p[i].has_sender && o < HEALTH_OUTCOMES; o++)
            metrics_put(b, "tipgate_sends_total{platform=\"%s\",outcome=\"%s\"} %llu\n",
                        platform_registry[i]->name, health_outcome_names[o],
                        (unsigned long long)s->p[i].sends[o]);
    static const struct {
        const char *name, *help;
        size_t offset;
    } fam[] = {
        {"tipgate_handling_latency_seconds",
         "From an update stored in the inbox to the worker's commit of its processing.",
         offsetof(struct health_platform, handling)},
        {"tipgate_inbox_to_send_seconds",
         "From an update stored in the inbox to the platform accepting a message its handling "
         "enqueued (a reply, a notice it caused); platform is the sending one.",
         offsetof(struct health_platform, reply)},
    };
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        metrics_family(b, fam[f].name, "histogram", fam[f].help);
        for (int i = 0; i < PLATFORM_MAX && platform_registry[i]; i++) {
            char labels[64];
            if (!metrics_platform_on(m, s, i))
                continue;
            snprintf(labels, sizeof labels, "platform=\"%s\",", platform_registry[i]->name);
            metrics_hist(b, fam[f].name, labels,
                         (const struct health_hist *)((const char *)&s->p[i] + fam[f].offset));
        }
    }
}

/* The scheduler's lateness and the open sockets. */
static void metrics_live(struct metrics_buf *b, const struct health_snap *s)
{
    metrics_family(b, "tipgate_scheduler_lag_seconds", "histogram",
                   "How late each scheduler tick started after it was due (one a second).");
    metrics_hist(b, "tipgate_scheduler_lag_seconds", "", &s->sched_lag);
    metrics_family(b, "tipgate_webchat_connections", "gauge", "Open web chat WebSockets.");
    metrics_put(b, "tipgate_webchat_connections %d\n", s->conns[HEALTH_CONN_WEBCHAT]);
    metrics_family(b, "tipgate_desk_connections", "gauge", "Open web desk live WebSockets.");
    metrics_put(b, "tipgate_desk_connections %d\n", s->conns[HEALTH_CONN_DESK]);
}

int metrics_proc_parse(const char *text, struct metrics_proc *out)
{
    memset(out, 0, sizeof *out);
    const char *p = text ? strrchr(text, ')') : NULL;
    unsigned long long utime, stime, vsize;
    long long rss;
    /* After ") ": state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
     * utime(14) stime(15) cutime cstime priority nice num_threads itrealvalue starttime
     * vsize(23) rss(24). */
    if (!p ||
        sscanf(p + 1,
               " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
               "%*d %*u %llu %lld",
               &utime, &stime, &vsize, &rss) != 4 ||
        rss < 0)
        return -1;
    out->cpu_ticks = utime + stime;
    out->vsize_bytes = vsize;
    out->rss_pages = (uint64_t)rss;
    return 0;
}

/* The process's own figures, from /proc/self/stat (cheap: no database, one small read). */
static void metrics_process(struct metrics_buf *b)
{
    char text[1024] = "";
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    struct metrics_proc p;
    long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    if (metrics_proc_parse(text, &p) != 0 || tick <= 0 || page <= 0)
        return;
    metrics_family(b, "process_cpu_seconds_total", "counter",
                   "User and system CPU time spent in seconds.");
    metrics_put(b, "process_cpu_seconds_total %.2f\n", (double)p.cpu_ticks / (double)tick);
    metrics_family(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    metrics_put(b, "process_resident_memory_bytes %llu\n",
                (unsigned long long)(p.rss_pages * (uint64_t)page));
    metrics_family(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    metrics_put(b, "process_virtual_memory_bytes %llu\n", (unsigned long long)p.vsize_bytes);
}

void metrics_label_escape(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (; s && *s && size > 0; s++) {
        const char *rep = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
        size_t len = rep ? 2 : 1;
        if (o + len >= size)
            break;
        if (rep)
            memcpy(out + o, rep, 2);
        else
            out[o] = *s;
        o += len;
    }
    if (size > 0)
        out[o] = '\0';
}

/* One count of the outbox as a sample of family (with its priority label or without). */
static void metrics_outbox_row(struct metrics_buf *b, const char *family,
                               const struct outbox_tally *t, int with_priority)
{
    /* The platform is whatever a row holds (the column has no CHECK): escaped. */
    char platform[2 * sizeof t->platform];
    metrics_label_escape(t->platform, platform, sizeof platform);
    if (with_priority)
        metrics_put(b, "%s{platform=\"%s\",status=\"%s\",priority=\"%lld\"} %lld\n", family,
                    platform, t->status, (long long)t->priority, (long long)t->count);
    else
        metrics_put(b, "%s{platform=\"%s\",status=\"%s\"} %lld\n", family, platform, t->status,
                    (long long)t->count);
}

/* Outbox rows by platform and status, and the depth still owed (queued, sending) by
 * priority. */
static void metrics_outbox(struct metrics_buf *b, const struct metrics_counts *c)
{
    metrics_family(b, "tipgate_outbox_messages", "gauge", "Outbox rows by platform and status.");
    for (int i = 0; i < c->noutbox; i++)
        metrics_outbox_row(b, "tipgate_outbox_messages", &c->outbox[i], 0);
    metrics_family(b, "tipgate_outbox_depth", "gauge",
                   "Outbox rows still owed (queued, sending) by platform, status and priority "
                   "(lower goes first).");
    for (int i = 0; i < c->ndepth; i++)
        metrics_outbox_row(b, "tipgate_outbox_depth", &c->depth[i], 1);
}

/* Open tips by status (every open status, 0 included) and those past their deadline. */
static void metrics_tips(struct metrics_buf *b, const struct metrics_counts *c)
{
    static const char *const open[] = {"new", "received", "verifying", "transferred"};
    long long overdue = 0;
    metrics_family(b, "tipgate_tips_open", "gauge", "Open tips by status.");
    for (size_t k = 0; k < sizeof open / sizeof open[0]; k++) {
        long long n = 0;
        for (int i = 0; i < c->ntips; i++)
            if (strcmp(c->tips[i].status, open[k]) == 0)
                n = c->tips[i].open;
        metrics_put(b, "tipgate_tips_open{status=\"%s\"} %lld\n", open[k], n);
    }
    for (int i = 0; i < c->ntips; i++)
        overdue += c->tips[i].overdue;
    metrics_family(b, "tipgate_tips_overdue", "gauge", "Open tips past their deadline.");
    metrics_put(b, "tipgate_tips_overdue %lld\n", overdue);
}

static void metrics_counts(struct metrics_buf *b, const struct metrics_counts *c, int64_t mono)
{
    if (!c->at_mono)
        return; /* the first count is not done yet */
    metrics_family(b, "tipgate_counts_age_seconds", "gauge",
                   "Age of the counts below (made off the request path every 10 s while read).");
    metrics_put(b, "tipgate_counts_age_seconds %.3f\n", (double)(mono - c->at_mono) / 1000.0);
    metrics_family(b, "tipgate_counts_duration_seconds", "gauge",
                   "How long the last count took on the metrics thread (not on the request path).");
    metrics_put(b, "tipgate_counts_duration_seconds %.3f\n", (double)c->took_ms / 1000.0);
    metrics_family(b, "tipgate_inbox_pending", "gauge", "Updates stored and not yet processed.");
    metrics_put(b, "tipgate_inbox_pending %lld\n", (long long)c->inbox_pending);
    metrics_outbox(b, c);
    metrics_tips(b, c);
    metrics_family(b, "tipgate_database_size_bytes", "gauge", "Size of the database file.");
    metrics_put(b, "tipgate_database_size_bytes %lld\n",
                (long long)(c->db_bytes > 0 ? c->db_bytes : 0));
    metrics_family(b, "tipgate_database_wal_size_bytes", "gauge",
                   "Size of the database's write-ahead log (0 when there is none).");
    metrics_put(b, "tipgate_database_wal_size_bytes %lld\n",
                (long long)(c->wal_bytes > 0 ? c->wal_bytes : 0));
}

int metrics_authorized(const struct metrics *m, const char *authorization)
{
    if (!m->token[0])
        return 1;
    const char *a = authorization ? authorization : "";
    /* The scheme is case-insensitive (RFC 7235); the token is compared whole. */
    return strncasecmp(a, "Bearer ", 7) == 0 && secure_equal(a + 7, m->token);
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
    metrics_updates(&b, m, &snap);
    metrics_sends(&b, m, &snap);
    metrics_live(&b, &snap);
    metrics_process(&b);
    metrics_counts(&b, c, mono);
    free(c);
    if (b.full)
        log_warn("metrics", "the /metrics text exceeds %d bytes: cut", METRICS_TEXT_MAX);
    return b.s;
}
