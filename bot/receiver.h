/*
 * receiver.h — the receive side every API platform (Telegram, Zalo) shares: a thread with its
 * own database connection and curl handle, an interruptible sleep for backoff, long polls that
 * abort within a second of a stop request (so SIGTERM is honoured quickly), calls retried with
 * capped exponential backoff and jitter, failures logged clearly but not in a flood, and the
 * webhook chores common to both APIs (setWebhook, or deleting a webhook before polling).
 */
#ifndef TIPGATE_RECEIVER_H
#define TIPGATE_RECEIVER_H

#include "bot/botapi.h"
#include "config/config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct app;
struct bot_settings;
struct db;

enum { RECEIVER_BACKOFF_CAP_MS = 60000 };
/* The longest wait before storing again while the disk is full: space that returns is used
 * within this time (and the platform's updates, not confirmed meanwhile, are fetched again). */
enum { RECEIVER_FULL_WAIT_MS = 4000 };

struct receiver {
    const char *name; /* the platform, for logs and storage */
    const struct bot_settings *pc;
    struct app *app;
    struct db *db; /* the receive thread's */
    CURL *easy;    /* the receive thread's */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_int stop;
    int started;
    int store_fails; /* stores failed in a row (receiver_store_failed) */
};

/* Opens the thread's database connection and curl handle. receiver_stop() undoes it. */
int receiver_init(struct receiver *rx, struct app *app, const char *name,
                  const struct bot_settings *pc);
int receiver_start(struct receiver *rx, void *(*fn)(void *), void *arg);
/* Stops and joins the thread (if started) and frees what receiver_init made. */
void receiver_stop(struct receiver *rx);
int receiver_stopping(struct receiver *rx);
/* Sleeps ms or until stop is requested; returns 1 when stopping. */
int receiver_sleep(struct receiver *rx, int64_t ms);

/* One call (params are stolen). */
void receiver_call(struct receiver *rx, const char *method, json_t *params, long timeout_s,
                   struct botapi_reply *r);
/* Calls until the platform says ok, backing off up to a minute; -1 if stopped first. */
int receiver_call_until_ok(struct receiver *rx, const char *method, json_t *params,
                           struct botapi_reply *r);
/* Logs a failed call: always for conflicts and a rejected token, otherwise the first failure
 * and every tenth, so a long outage is visible without flooding the log. */
void receiver_log_failure(struct receiver *rx, const char *method, const struct botapi_reply *r,
                          int fails, int64_t wait_ms);

/* A fetched batch of updates could not be stored (what: "3 updates"): returns how long to
 * wait before trying again — 1 s, doubling to RECEIVER_FULL_WAIT_MS while they fail — and logs
 * the failure, the first and every tenth in a row, unless the disk is full (logged once per
 * episode by storage/db_writes.c). receiver_stored() ends the run. */
int64_t receiver_store_failed(struct receiver *rx, const char *what);
/* A batch was stored: logs the end of a run of failures that receiver_store_failed logged. */
void receiver_stored(struct receiver *rx);

/* Polling and a webhook exclude each other: deletes a webhook left from webhook mode. */
int receiver_prepare_polling(struct receiver *rx);
/* Sets the configured webhook (url, secret) plus extra parameters (stolen; may be NULL). */
int receiver_set_webhook(struct receiver *rx, json_t *extra);

#endif
