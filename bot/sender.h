/*
 * sender.h — one outbox sender per API platform (Telegram, Zalo): a thread with its own
 * database connection and a libcurl multi handle, so many sends are in flight at once over
 * kept-alive connections while limits and ordering are respected.
 *
 * Each turn it (1) settles finished transfers in one transaction — sent, retry later, failed,
 * chat unreachable, chat moved; (2) picks due rows (outbox_due: priority order, one chat's
 * messages in order), holds back what the rate limits or a platform pause forbid, claims the
 * rest in one transaction and starts them; (3) sleeps in curl_multi_poll until a transfer
 * finishes, a limit frees up, or sender_wake() is called. It never spins: every wait has a
 * reason and a deadline.
 *
 * Failures: 429 pauses the chat (retry_after when the platform gives one, else our own
 * backoff) and, when several chats are throttled at once, the whole platform; 5xx, garbage and
 * network errors back off exponentially with jitter per message and trip a platform-wide pause
 * that grows to 60 s while the platform stays down; 403 marks the chat and person unreachable
 * and fails the message; other 4xx fail it with the reason logged; a moved group (Telegram
 * migrate_to_chat_id) is rewritten and the message resent at once.
 */
#ifndef TIPGATE_SENDER_H
#define TIPGATE_SENDER_H

#include "bot/ratelimit.h"
#include "storage/outbox.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct app;
struct db;
struct sender;

struct sender_ops {
    /* Builds the API call for one row: *method (a static string) and *params (a new
     * reference). May write to db (button payloads). Returns 0, or -1 when the row can never be
     * sent (*why says why; it is marked failed). */
    int (*build)(void *ctx, struct db *db, const struct outbox_row *row, int64_t now_ms,
                 const char **method, json_t **params, const char **why);
};

struct sender_config {
    const char *platform;
    const char *base_url;
    const char *token;
    struct ratelimit_rule global, chat, group;
    int max_attempts;
    int concurrency; /* transfers in flight at once */
};

int sender_start(struct app *app, const struct sender_config *cfg, const struct sender_ops *ops,
                 void *ctx, struct sender **out);
/* New rows may be due. Any thread. */
void sender_wake(struct sender *s);
/* Lets in-flight transfers finish (a few seconds at most), puts anything unfinished back in the
 * queue, joins the thread and frees s. NULL is fine. */
void sender_stop(struct sender *s);

#endif
