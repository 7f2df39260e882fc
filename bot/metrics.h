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
 * are always current, and so are what the threads count in memory as they work (bot/health.h:
 * updates received, handled and failed, sends by outcome, the latency histograms, open
 * WebSockets) and the process's own figures (/proc/self/stat, a small read, no database).
 * An optional bearer token (metrics.token) closes /metrics to scrapers without it.
 */
#ifndef TIPGATE_METRICS_H
#define TIPGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct metrics;
struct cfg_block;

/* The block "metrics": token, a secret ("env:NAME" allowed) a scraper sends as
 * "Authorization: Bearer <token>"; "" (the default) leaves /metrics open. */
extern const struct cfg_block metrics_settings;

enum {
    METRICS_MAX_AGE_MS = 10000,
    METRICS_READ_WINDOW_MS = 5 * 60 * 1000,
    METRICS_TEXT_MAX = 64 * 1024,
    METRICS_AUTH_HEADER_MAX = 600, /* an Authorization header read for the token */
};

/* Starts the counting thread (first count at once). *out owns it: metrics_stop(). */
int metrics_start(struct app *app, struct metrics **out);
/* Stops and joins the thread, frees m. NULL is fine. */
void metrics_stop(struct metrics *m);
/* The /metrics body: a new string (free() it), or NULL without memory. Never touches the
 * database; asks for a new count when the one at hand is older than METRICS_MAX_AGE_MS. */
char *metrics_render(struct metrics *m);
/* Whether a request with this Authorization header (NULL or "" when it had none) may read
 * /metrics: always when no token is configured, else only "Bearer <token>" (compared in
 * constant time). */
int metrics_authorized(const struct metrics *m, const char *authorization);

/* What /proc/self/stat says (the text after the command's closing parenthesis is parsed, so a
 * command name with spaces or parentheses cannot shift the fields): CPU time in clock ticks
 * (user + system), virtual size in bytes and resident set in pages. 0, or -1 when text is not
 * such a line. Pure. */
struct metrics_proc {
    uint64_t cpu_ticks, vsize_bytes, rss_pages;
};
int metrics_proc_parse(const char *text, struct metrics_proc *out);
/* s with '\\', '"' and newline escaped as a Prometheus label value into out (cut to fit, never
 * mid-escape). Pure. */
void metrics_label_escape(const char *s, char *out, size_t size);

#endif
