/*
 * metrics.h — GET /metrics: the figures of bot/health.h and the sizes of the queues, in the
 * Prometheus text exposition format (version 0.0.4).
 *
 * Counting rows takes a scan (about 300 ms at a million outbox rows), far too slow for the
 * HTTP thread, which also serves the web chat and the webhooks. So the counts are made by a
 * thread of their own, on its own database connection (WAL: it never blocks a writer): once at
 * start, then every METRICS_MAX_AGE_MS while /metrics has been read within
 * METRICS_READ_WINDOW_MS (and at once when a request finds them older). A request is answered
 * at once with the counts at hand; tipgate_counts_age_seconds says how old they are. A client
 * polling /metrics in a loop therefore costs at most one count every METRICS_MAX_AGE_MS, none
 * of it on the request path, and a service nobody watches never counts. The health figures
 * are always current.
 */
#ifndef TIPGATE_METRICS_H
#define TIPGATE_METRICS_H

struct app;
struct metrics;

enum {
    METRICS_MAX_AGE_MS = 10000,
    METRICS_READ_WINDOW_MS = 5 * 60 * 1000,
    METRICS_TEXT_MAX = 64 * 1024,
};

/* Starts the counting thread (first count at once). *out owns it: metrics_stop(). */
int metrics_start(struct app *app, struct metrics **out);
/* Stops and joins the thread, frees m. NULL is fine. */
void metrics_stop(struct metrics *m);
/* The /metrics body: a new string (free() it), or NULL without memory. Never touches the
 * database; asks for a new count when the one at hand is older than METRICS_MAX_AGE_MS. */
char *metrics_render(struct metrics *m);

#endif
