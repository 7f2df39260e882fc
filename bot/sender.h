/*
 * sender.h — one outbox sender per API platform (Telegram, Zalo Bot, Zalo OA, Messenger): a
 * thread with its own database connection and a libcurl multi handle, so many sends are in
 * flight at once over kept-alive connections while limits and ordering are respected.
 *
 * Each turn it (1) settles the transfers that have finished — sent, retry later, failed, chat
 * unreachable, chat moved — in a transaction committed before anything else (and again between
 * prepare ops), so an answer is recorded as soon as it is read; (2) picks due rows (outbox_due:
 * priority order, one chat's messages in order, a chat's next only once the one before is
 * settled), holds back what the rate limits, the pace or a platform pause forbid, claims the
 * rest in one transaction and starts them after it commits (a platform's prepare op, e.g. an
 * upload, runs for each due row before that transaction, so no network call holds the write
 * lock); (3) sleeps in curl_multi_poll until a transfer finishes, a limit frees up, or
 * sender_wake() is called. It never spins: every wait has a reason and a deadline.
 *
 * What a crash may send twice is what is on the wire: started, its answer not yet committed
 * (bot/sender.c spells out claim → start → settle). That is at most one message per chat, and
 * in all about the sending rate times the platform's answer time: with a global rule, starts
 * are paced evenly within it (one every window / max: 33 ms at 30/s) instead of the whole
 * quota at once.
 *
 * The platform's ops (bot/platform.h) build each request and turn each answer into a verdict;
 * the sender acts on verdicts only. Throttled (RETRY_AFTER) pauses the chat (the platform's
 * wait when it gives one, else our own backoff) and, when several chats are throttled at once,
 * the whole platform; TRANSIENT (5xx, garbage, no answer) backs off exponentially with jitter
 * per message and trips a platform-wide pause that grows to 60 s while the platform stays down;
 * TOKEN_EXPIRED keeps the message queued, retried every 60 s without using up its attempts,
 * and reports the token to /healthz (a platform with a refresh_token op renews it first, once,
 * and the rows go again at once); a row build_request finds outside the platform's messaging
 * window is settled failed as OUTBOX_OUTSIDE_WINDOW without a request; BLOCKED marks the chat and
 * person unreachable and fails the message; BAD_REQUEST fails it with the reason logged; MOVED (a
 * Telegram group become a supergroup) rewrites the chat everywhere and resends at once.
 */
#ifndef TIPGATE_SENDER_H
#define TIPGATE_SENDER_H

#include "bot/ratelimit.h"

#include <stdbool.h>
#include <stdint.h>

struct app;
struct platform_ops;
struct sender;

struct sender_config {
    struct ratelimit_rule global, chat, group;
    int max_attempts;
    int concurrency; /* transfers in flight at once */
};

/* Starts the sender of the platform ops (its name, build_request and classify_answer are
 * required; ops must outlive the sender). state is passed to ops->build_request, kept by the
 * caller until sender_stop. */
int sender_start(struct app *app, const struct sender_config *cfg, const struct platform_ops *ops,
                 void *state, struct sender **out);
/* New rows may be due. Any thread. */
void sender_wake(struct sender *s);
/* Lets in-flight transfers finish (a few seconds at most), puts anything unfinished back in the
 * queue, joins the thread and frees s. NULL is fine. */
void sender_stop(struct sender *s);

#endif
