/*
 * health.h — what /healthz and /metrics say, kept in memory by the threads that know it, so
 * that answering costs the same at 0 and at a million outbox rows and never touches the
 * database from the HTTP thread (which also serves the web chat and the webhooks).
 *
 * Who reports what: every write transaction of the worker and the senders reports whether it
 * committed (health_db_write; the worker's owner heartbeat every few seconds is the probe when
 * nothing else writes); the worker reports each turn and each scheduler tick; receivers and senders
 * report how the platform answered the token (health_token); each sender reports every turn
 * (health_sender). One mutex guards it all; every call holds it for a few assignments.
 *
 * The verdict (health_check) is unhealthy — /healthz answers 503 — while any of these holds:
 * the last write transaction failed (read-only, I/O error), or any writer's write was refused
 * for lack of space and the episode is not over (storage/db_writes.h, read at each snapshot);
 * a platform answered 401 or 404 to the token and nothing has succeeded since; a sender has
 * had work (due rows, requests on the wire, failed sends awaiting their retry — a 429 is not a
 * failure: its row is simply not due) for HEALTH_STALL_MS and delivered or gave up on no
 * message in that time;
 * the worker has not come round for HEALTH_WORKER_STALL_MS.
 */
#ifndef TIPGATE_HEALTH_H
#define TIPGATE_HEALTH_H

#include "bot/platform.h"

#include <jansson.h>
#include <stdint.h>

enum { HEALTH_WHY_MAX = 200, HEALTH_LINE_MAX = HEALTH_WHY_MAX + 96 };
enum { HEALTH_PROBLEMS_MAX = 2 + 2 * PLATFORM_MAX };
enum { HEALTH_STALL_MS = 120000, HEALTH_WORKER_STALL_MS = 60000 };

struct health;

int health_new(struct health **out);
void health_free(struct health *h);

/* A write transaction committed (ok) or failed (why: the database's error, e.g.
 * sqlite3_errmsg() taken before the rollback, which would replace it). h may be NULL. */
void health_db_write(struct health *h, int ok, const char *why);
/* The worker came round; handled updates were processed in this turn. */
void health_worker_turn(struct health *h, int handled);
/* A scheduler tick took elapsed_us microseconds of wall time (bot/scheduler.c measures it on
 * the monotonic clock, clock_mono_us). */
void health_scheduler_tick(struct health *h, int64_t elapsed_us);
/* How platform answered a call with its token: refused (401/404, why says how) or accepted. */
void health_token(struct health *h, const char *platform, int refused, const char *why);

/* One turn of a platform's sender. */
struct health_send_turn {
    int queried;   /* it looked for due rows (not paused, a slot free) */
    int due;       /* how many it found (at most its free slots) */
    int in_flight; /* requests on the wire after the turn */
    int paused;    /* a platform-wide pause is in force */
    int delivered; /* settled this turn as sent */
    int given_up;  /* settled as failed for good (refused, blocked, out of attempts) */
    int retried;   /* settled as "try again later" */
    int throttled; /* of which the platform asked to wait (429): not a failure */
};
void health_sender(struct health *h, const char *platform, int64_t now_ms,
                   const struct health_send_turn *t);

/* ---- what /metrics counts besides the verdict (bot/metrics.c renders it) ------------------
 * Latencies go into fixed-bucket histograms: bucket i counts observations <= health_bounds[i]
 * (seconds), the last bucket (+Inf) the rest; each bucket counts only its own range, and the
 * renderer makes them cumulative. One set of bounds for every histogram: from 5 ms (a reply
 * handled at once) to 5 minutes (a send retried after a platform's pause). */
enum { HEALTH_BOUNDS = 14, HEALTH_BUCKETS = HEALTH_BOUNDS + 1 };
extern const double health_bounds[HEALTH_BOUNDS];
struct health_hist {
    uint64_t bucket[HEALTH_BUCKETS]; /* non-cumulative; [HEALTH_BOUNDS] is +Inf */
    uint64_t count;
    double sum; /* seconds */
};
/* Counts one observation of seconds (negative: counted as 0). Pure. */
void health_hist_observe(struct health_hist *hh, double seconds);

/* How the platform answered one send, as the sender saw it (labels of
 * tipgate_sends_total{outcome}). */
enum health_outcome {
    HEALTH_SENT,
    HEALTH_429,
    HEALTH_400,
    HEALTH_401,
    HEALTH_403,
    HEALTH_404,
    HEALTH_4XX, /* any other 4xx */
    HEALTH_5XX,
    HEALTH_TIMEOUT,        /* no answer within the sender's timeout */
    HEALTH_NETWORK,        /* no answer: refused, reset, DNS */
    HEALTH_OTHER,          /* an answer but not a delivery: 2xx garbage, 1xx/3xx */
    HEALTH_OUTSIDE_WINDOW, /* not sent: the platform's messaging window was closed */
    HEALTH_OUTCOMES
};
extern const char *const health_outcome_names[HEALTH_OUTCOMES];
/* The outcome of one transfer: answered (the platform said something: http_status is its
 * status), timed_out (no answer because the timeout struck), sent (the verdict was a
 * delivery). Pure. */
enum health_outcome health_outcome_of(int answered, int timed_out, long http_status, int sent);

enum health_conn { HEALTH_CONN_WEBCHAT, HEALTH_CONN_DESK, HEALTH_CONNS };

/* Updates a platform's receiver stored (new ones, not redeliveries), after its commit. */
void health_received(struct health *h, const char *platform, int n);
/* The worker processed one update of platform stored at received_at (application clock) at
 * processed_at, ok or failed (a handler error, kept on the row); its handling enqueued the
 * outbox rows first_id..last_id (first_id > last_id: none). Called after the commit. */
void health_handled(struct health *h, const char *platform, int failed, int64_t received_at,
                    int64_t processed_at, int64_t first_id, int64_t last_id);
/* A sender heard how platform answered one send. */
void health_send_outcome(struct health *h, const char *platform, enum health_outcome o);
/* Outbox row id was accepted by platform at now_ms (after the commit that marked it sent):
 * when the worker's handling of an update enqueued it (among the last HEALTH_REPLY_RING
 * updates that enqueued anything), the time from storing that update is observed. */
void health_reply_sent(struct health *h, const char *platform, int64_t id, int64_t now_ms);
/* A scheduler tick started lag_ms after it was due. */
void health_scheduler_lag(struct health *h, int64_t lag_ms);
/* The open connections of kind, as the HTTP thread counts them. */
void health_connections(struct health *h, enum health_conn kind, int open);

enum { HEALTH_REPLY_RING = 4096 };

/* A copy of every figure, taken under the lock. */
struct health_platform {
    int reported; /* a receiver or sender of this platform has reported */
    int has_sender;
    int token_refused;
    char token_why[HEALTH_WHY_MAX];
    int due, in_flight, paused, retry_pending;
    int64_t work_since;    /* application clock: since when work has waited; 0 none */
    int64_t last_progress; /* application clock: last delivery or give-up; 0 never */
    uint64_t delivered, given_up, retried;
    uint64_t received, handled, failed;
    uint64_t sends[HEALTH_OUTCOMES];
    struct health_hist handling; /* inbox stored → processed */
    struct health_hist reply;    /* inbox stored → a message its handling enqueued accepted */
};
struct health_snap {
    int db_state; /* -1 nothing written yet, 0 the last write failed, 1 it committed */
    char db_why[HEALTH_WHY_MAX];
    int64_t db_age_ms;         /* since the last write outcome (monotonic); -1 none */
    int64_t db_refusing_ms;    /* how long writes have been refused for lack of space; -1 not */
    uint64_t db_refusals;      /* writes refused in that episode (storage/db_writes.h) */
    uint64_t db_refused_total; /* writes refused for lack of space since start */
    int64_t worker_age_ms;     /* since the worker last came round (or since start); monotonic */
    uint64_t handled;
    uint64_t ticks;                         /* scheduler ticks since start */
    int64_t tick_last_us;                   /* the last one's wall time */
    int64_t tick_total_us;                  /* all of theirs */
    struct health_platform p[PLATFORM_MAX]; /* by platform_registry index */
    struct health_hist sched_lag;           /* how late ticks start */
    int conns[HEALTH_CONNS];
};
void health_snapshot(struct health *h, struct health_snap *s);

/* The verdict on a snapshot at now_ms (application clock): returns 1 when healthy; each
 * problem is one line in problems[] (*n of them). */
int health_check(const struct health_snap *s, int64_t now_ms,
                 char problems[HEALTH_PROBLEMS_MAX][HEALTH_LINE_MAX], int *n);
/* Whether platform i's sender is stalled (see above) at now_ms. */
int health_stalled(const struct health_platform *p, int64_t now_ms);

/* The /healthz body's figures: {"database", "problems", "senders", "worker"} (a new object). */
json_t *health_json(const struct health_snap *s, int64_t now_ms);

#endif
