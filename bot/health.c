/*
 * health.c — see health.h. Writers lock, assign and unlock; readers copy the whole struct
 * under the lock (health_snapshot) and judge and format the copy without it, so a slow client
 * never holds up a sender. Stalls are measured on the application clock, like the rows' due
 * times they are about (and so a test can move a service past the threshold without waiting);
 * the database and worker ages on the monotonic clock.
 */
#include "bot/health.h"

#include "base/clock.h"
#include "storage/db_writes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct health {
    pthread_mutex_t lock;
    int64_t started_mono;
    int db_state;
    char db_why[HEALTH_WHY_MAX];
    int64_t db_at_mono;
    int64_t worker_at_mono;
    uint64_t handled;
    uint64_t ticks;
    int64_t tick_last_us, tick_total_us;
    struct health_platform p[PLATFORM_MAX];
    struct health_hist sched_lag;
    int conns[HEALTH_CONNS];
    /* Which outbox rows whose handling of which update enqueued (health_reply_sent): a ring
     * of id ranges, newest at next - 1; the oldest is forgotten when it wraps. */
    struct health_reply {
        int64_t first_id, last_id, received_at;
    } ring[HEALTH_REPLY_RING];
    int ring_next, ring_len;
};

const double health_bounds[HEALTH_BOUNDS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                             1,     2.5,  5,     10,   30,  60,   300};

const char *const health_outcome_names[HEALTH_OUTCOMES] = {
    "sent", "429", "400",     "401",     "403",   "404",
    "4xx",  "5xx", "timeout", "network", "other", "outside_window"};

void health_hist_observe(struct health_hist *hh, double seconds)
{
    if (!(seconds > 0)) /* negative (a clock set back) or NaN */
        seconds = 0;
    int i = 0;
    while (i < HEALTH_BOUNDS && seconds > health_bounds[i])
        i++;
    hh->bucket[i]++;
    hh->count++;
    hh->sum += seconds;
}

enum health_outcome health_outcome_of(int answered, int timed_out, long http_status, int sent)
{
    static const struct {
        long status;
        enum health_outcome o;
    } exact[] = {{429, HEALTH_429},
                 {400, HEALTH_400},
                 {401, HEALTH_401},
                 {403, HEALTH_403},
                 {404, HEALTH_404}};
    if (!answered)
        return timed_out ? HEALTH_TIMEOUT : HEALTH_NETWORK;
    if (sent)
        return HEALTH_SENT;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (exact[i].status == http_status)
            return exact[i].o;
    if (http_status >= 400 && http_status < 500)
        return HEALTH_4XX;
    if (http_status >= 500 && http_status < 600)
        return HEALTH_5XX;
    return HEALTH_OTHER;
}

int health_new(struct health **out)
{
    struct health *h = calloc(1, sizeof *h);
    *out = NULL;
    if (!h)
        return -1;
    pthread_mutex_init(&h->lock, NULL);
    h->started_mono = clock_mono_ms();
    h->db_state = -1;
    *out = h;
    return 0;
}

void health_free(struct health *h)
{
    if (!h)
        return;
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void health_db_write(struct health *h, int ok, const char *why)
{
    /* A refusal for lack of space is the episode's (storage/db_writes.h, read by
     * health_snapshot): it ends with the first write that commits, whichever thread's, where a
     * failure kept here would wait for this thread's next commit. */
    if (!h || (!ok && db_writes_refusing()))
        return;
    pthread_mutex_lock(&h->lock);
    h->db_state = ok ? 1 : 0;
    snprintf(h->db_why, sizeof h->db_why, "%s", ok ? "" : why && *why ? why : "unknown error");
    h->db_at_mono = clock_mono_ms();
    pthread_mutex_unlock(&h->lock);
}

void health_worker_turn(struct health *h, int handled)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->worker_at_mono = clock_mono_ms();
    h->handled += (uint64_t)(handled > 0 ? handled : 0);
    pthread_mutex_unlock(&h->lock);
}

void health_scheduler_tick(struct health *h, int64_t elapsed_us)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->ticks++;
    h->tick_last_us = elapsed_us > 0 ? elapsed_us : 0;
    h->tick_total_us += h->tick_last_us;
    pthread_mutex_unlock(&h->lock);
}

void health_token(struct health *h, const char *platform, int refused, const char *why)
{
    int i = platform_index(platform);
    if (!h || i < 0)
        return;
    pthread_mutex_lock(&h->lock);
    struct health_platform *p = &h->p[i];
    p->reported = 1;
    p->token_refused = refused != 0;
    snprintf(p->token_why, sizeof p->token_why, "%s", refused && why ? why : "");
    pthread_mutex_unlock(&h->lock);
}

void health_sender(struct health *h, const char *platform, int64_t now_ms,
                   const struct health_send_turn *t)
{
    int i = platform_index(platform);
    if (!h || i < 0)
        return;
    pthread_mutex_lock(&h->lock);
    struct health_platform *p = &h->p[i];
    p->reported = p->has_sender = 1;
    p->in_flight = t->in_flight;
    p->paused = t->paused;
    if (t->queried)
        p->due = t->due;
    p->delivered += (uint64_t)t->delivered;
    p->given_up += (uint64_t)t->given_up;
    p->retried += (uint64_t)t->retried;
    if (t->delivered || t->given_up) {
        p->last_progress = now_ms;
        p->retry_pending = 0;
    }
    if (t->retried > t->throttled) /* a 429 row is simply not due yet */
        p->retry_pending = 1;
    /* Work waits while rows are due, requests are on the wire or failed sends wait for their
     * retry. "Nothing due" counts only when the sender looked: a paused sender does not. */
    int waiting = (t->queried && t->due > 0) || t->in_flight > 0 || p->retry_pending ||
                  (!t->queried && p->due > 0);
    if (!waiting)
        p->work_since = 0;
    else if (!p->work_since)
        p->work_since = now_ms;
    pthread_mutex_unlock(&h->lock);
}

void health_received(struct health *h, const char *platform, int n)
{
    int i = platform_index(platform);
    if (!h || i < 0 || n <= 0)
        return;
    pthread_mutex_lock(&h->lock);
    h->p[i].received += (uint64_t)n;
    pthread_mutex_unlock(&h->lock);
}

void health_handled(struct health *h, const char *platform, int failed, int64_t received_at,
                    int64_t processed_at, int64_t first_id, int64_t last_id)
{
    int i = platform_index(platform);
    if (!h || i < 0)
        return;
    pthread_mutex_lock(&h->lock);
    struct health_platform *p = &h->p[i];
    p->handled++;
    p->failed += failed != 0;
    health_hist_observe(&p->handling, (double)(processed_at - received_at) / 1000.0);
    if (first_id <= last_id) {
        h->ring[h->ring_next] = (struct health_reply){first_id, last_id, received_at};
        h->ring_next = (h->ring_next + 1) % HEALTH_REPLY_RING;
        h->ring_len += h->ring_len < HEALTH_REPLY_RING;
    }
    pthread_mutex_unlock(&h->lock);
}

void health_send_outcome(struct health *h, const char *platform, enum health_outcome o)
{
    int i = platform_index(platform);
    if (!h || i < 0 || o < 0 || o >= HEALTH_OUTCOMES)
        return;
    pthread_mutex_lock(&h->lock);
    h->p[i].sends[o]++;
    pthread_mutex_unlock(&h->lock);
}

void health_reply_sent(struct health *h, const char *platform, int64_t id, int64_t now_ms)
{
    int i = platform_index(platform);
    if (!h || i < 0)
        return;
    pthread_mutex_lock(&h->lock);
    /* Newest first: a reply is usually sent within a second of its update's handling. */
    for (int k = 1; k <= h->ring_len; k++) {
        const struct health_reply *r =
            &h->ring[(h->ring_next - k + HEALTH_REPLY_RING) % HEALTH_REPLY_RING];
        if (id >= r->first_id && id <= r->last_id) {
            health_hist_observe(&h->p[i].reply, (double)(now_ms - r->received_at) / 1000.0);
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
}

void health_scheduler_lag(struct health *h, int64_t lag_ms)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    health_hist_observe(&h->sched_lag, (double)lag_ms / 1000.0);
    pthread_mutex_unlock(&h->lock);
}

void health_connections(struct health *h, enum health_conn kind, int open)
{
    if (!h || kind < 0 || kind >= HEALTH_CONNS)
        return;
    pthread_mutex_lock(&h->lock);
    h->conns[kind] = open;
    pthread_mutex_unlock(&h->lock);
}

void health_snapshot(struct health *h, struct health_snap *s)
{
    memset(s, 0, sizeof *s);
    s->db_state = -1;
    s->db_age_ms = -1;
    if (!h)
        return;
    int64_t mono = clock_mono_ms();
    pthread_mutex_lock(&h->lock);
    s->db_state = h->db_state;
    memcpy(s->db_why, h->db_why, sizeof s->db_why);
    s->db_age_ms = h->db_at_mono ? mono - h->db_at_mono : -1;
    s->db_refusing_ms = -1;
    s->worker_age_ms = mono - (h->worker_at_mono ? h->worker_at_mono : h->started_mono);
    s->handled = h->handled;
    s->ticks = h->ticks;
    s->tick_last_us = h->tick_last_us;
    s->tick_total_us = h->tick_total_us;
    memcpy(s->p, h->p, sizeof s->p);
    s->sched_lag = h->sched_lag;
    memcpy(s->conns, h->conns, sizeof s->conns);
    pthread_mutex_unlock(&h->lock);
    /* Any writer's refusal for lack of space counts at once — a webhook's, the web chat's —
     * not only the worker's and the senders' transactions. */
    struct db_writes_episode e;
    db_writes_episode(&e);
    s->db_refused_total = db_writes_refusals_total();
    if (e.refusing) {
        s->db_state = 0;
        snprintf(s->db_why, sizeof s->db_why, "%s", e.why);
        s->db_refusing_ms = mono - e.since_mono_ms;
        s->db_refusals = e.refusals;
    }
}

int health_stalled(const struct health_platform *p, int64_t now_ms)
{
    return p->has_sender && p->work_since && now_ms - p->work_since >= HEALTH_STALL_MS &&
           now_ms - p->last_progress >= HEALTH_STALL_MS;
}

int health_check(const struct health_snap *s, int64_t now_ms,
                 char problems[HEALTH_PROBLEMS_MAX][HEALTH_LINE_MAX], int *n)
{
    *n = 0;
    if (s->db_state == 0)
        snprintf(problems[(*n)++], HEALTH_LINE_MAX, "database refuses writes: %s", s->db_why);
    if (s->worker_age_ms >= HEALTH_WORKER_STALL_MS)
        snprintf(problems[(*n)++], HEALTH_LINE_MAX, "worker: has not come round for %lld s",
                 (long long)(s->worker_age_ms / 1000));
    for (int i = 0; i < PLATFORM_MAX && platform_registry[i]; i++) {
        const struct health_platform *p = &s->p[i];
        const char *name = platform_registry[i]->name;
        if (p->token_refused)
            snprintf(problems[(*n)++], HEALTH_LINE_MAX, "%s: the platform refuses the token (%s)",
                     name, p->token_why);
        if (health_stalled(p, now_ms))
            snprintf(problems[(*n)++], HEALTH_LINE_MAX,
                     "%s: no message delivered for %lld s while messages wait", name,
                     (long long)((now_ms - (p->last_progress > p->work_since ? p->last_progress
                                                                             : p->work_since)) /
                                 1000));
    }
    return *n == 0;
}

/* Seconds from then to now_ms as a JSON number, or null when then is 0 (never). */
static json_t *health_age(int64_t then, int64_t now_ms)
{
    return then ? json_real((double)(now_ms - then) / 1000.0) : json_null();
}

json_t *health_json(const struct health_snap *s, int64_t now_ms)
{
    char problems[HEALTH_PROBLEMS_MAX][HEALTH_LINE_MAX];
    int n = 0;
    health_check(s, now_ms, problems, &n);
    json_t *list = json_array(), *senders = json_object();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_string(problems[i]));
    for (int i = 0; i < PLATFORM_MAX && platform_registry[i]; i++) {
        const struct health_platform *p = &s->p[i];
        if (!p->reported)
            continue;
        json_object_set_new(senders, platform_registry[i]->name,
                            json_pack("{s:s, s:i, s:i, s:b, s:I, s:I, s:o, s:o, s:b}", "token",
                                      p->token_refused ? "refused" : "ok", "in_flight",
                                      p->in_flight, "due", p->due, "paused", p->paused, "delivered",
                                      (json_int_t)p->delivered, "given_up", (json_int_t)p->given_up,
                                      "last_progress_s", health_age(p->last_progress, now_ms),
                                      "waiting_s", health_age(p->work_since, now_ms), "stalled",
                                      health_stalled(p, now_ms)));
    }
    return json_pack("{s:s, s:o, s:o, s:{s:I, s:f}}", "database", s->db_state == 0 ? "error" : "ok",
                     "problems", list, "senders", senders, "worker", "handled",
                     (json_int_t)s->handled, "last_turn_s", (double)s->worker_age_ms / 1000.0);
}
