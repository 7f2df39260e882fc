/*
 * slowreq.h — the thread that answers the heavy HTTP requests (the period report, the KPIs,
 * the desk's downloads: the routes marked `heavy` in handlers/deskapi.h and handlers/apiv1.h)
 * off the HTTP thread, so a quarter's report over a million tips never holds up the web chat,
 * the webhooks, the desk's live socket or /healthz.
 *
 * One thread, its own database connection, one job at a time, at most SLOWREQ_WAITING_MAX
 * jobs waiting behind it (slowreq_submit refuses more: the caller answers 503 "busy"). A job
 * is a copy of what its route needs (arg); run(db, arg) fills its answer in arg on the job
 * thread; the thread then wakes the HTTP loop (lws_cancel_service), whose
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED calls slowreq_collect: each finished job's connection is
 * asked to become writable, and LWS_CALLBACK_HTTP_WRITEABLE writes it (slowreq_answer). A
 * connection that closes first releases its job (slowreq_release): a waiting job is dropped, a
 * running one finishes and its answer is discarded — nothing is written to a closed
 * connection. Everything but run happens on the HTTP thread.
 */
#ifndef TIPGATE_SLOWREQ_H
#define TIPGATE_SLOWREQ_H

#include <stdbool.h>

enum {
    SLOWREQ_WAITING_MAX = 4, /* jobs waiting behind the running one */
    SLOWREQ_WAIT_S = 120,    /* a connection waits at most this long for its answer */
    SLOWREQ_RETRY_S = 10,    /* Retry-After of a 503 "busy" */
};

struct app;
struct db;
struct lws;
struct lws_context;
struct slowreq;
struct slowreq_job;

struct slowreq_ops {
    void (*run)(struct db *db, void *arg);     /* the job thread: fills the answer in arg */
    int (*answer)(struct lws *wsi, void *arg); /* the HTTP thread: what the callback returns */
    void (*free)(void *arg);                   /* frees arg, answered or not */
};

/* The queue with its own database connection, no thread yet (slowreq_submit refuses). NULL
 * when out of memory or the database cannot be opened (logged). */
struct slowreq *slowreq_new(struct app *app);
/* Starts the thread; ctx is the loop it wakes when a job is done. 0, or -1 (logged). */
int slowreq_start(struct slowreq *sr, struct lws_context *ctx);
/* Joins the thread (after the job it runs, if any; waiting jobs are not run). NULL is fine.
 * The jobs stay until released or slowreq_free. */
void slowreq_stop(struct slowreq *sr);
/* Frees sr and the jobs still held (after the loop that held them is gone). NULL is fine. */
void slowreq_free(struct slowreq *sr);

/* Queues arg for wsi, keeping it from timing out for SLOWREQ_WAIT_S: the job (owned by sr
 * until slowreq_answer or slowreq_release), or NULL when too many wait or the thread is not
 * running (arg stays the caller's). */
struct slowreq_job *slowreq_submit(struct slowreq *sr, struct lws *wsi,
                                   const struct slowreq_ops *ops, void *arg);
/* LWS_CALLBACK_EVENT_WAIT_CANCELLED: asks each finished job's connection to become writable. */
void slowreq_collect(struct slowreq *sr);
/* LWS_CALLBACK_HTTP_WRITEABLE of the connection holding *job: when its answer is ready, sets
 * *job NULL (before writing: the write may close the connection), writes it, frees the job and
 * returns what ops->answer returned; else 0, *job kept. */
int slowreq_answer(struct slowreq *sr, struct slowreq_job **job, struct lws *wsi);
/* The connection closed before its answer: the job is dropped (a running one when it ends). */
void slowreq_release(struct slowreq *sr, struct slowreq_job *job);

#endif
