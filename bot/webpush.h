/*
 * webpush.h — Web Push for the web chat: tells a resident's browser that the police answered,
 * while their page is closed (RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID).
 *
 * The pieces: handlers queue a job with push_jobs_add_for_chat (storage/push_store.h) when an
 * answer goes to a tipster; this module's thread (its own database connection and curl handle)
 * sends each job to its subscription's push service and settles it — delivered, retried with
 * backoff (429, 5xx, no connection), or given up (404/410 remove the subscription). The web chat
 * (bot/platforms/webchat.c) starts and wakes it, hands it the subscribe frames, and puts the
 * VAPID public key in its `ready` frame. The notification says only that there is an answer
 * (texts push_title, push_body): nothing of the tip leaves the server through a push service.
 *
 * Settings (block "webpush"): enabled, subject (the contact put in the VAPID token),
 * ttl_s (how long a push service keeps an undelivered notification), allow_insecure_endpoints
 * (http://127.0.0.1 endpoints, for the tests' fake push service only).
 */
#ifndef TIPGATE_WEBPUSH_H
#define TIPGATE_WEBPUSH_H

#include "config/config.h"

#include <jansson.h>
#include <stdbool.h>

struct app;
struct db;
struct webpush;

extern const struct cfg_block webpush_settings;

/* Loads (or on the first start makes and stores) the VAPID key pair and starts the sender
 * thread. *out is NULL, and 0 returned, when webpush.enabled is false. -1 on failure. */
int webpush_start(struct app *app, struct webpush **out);
/* Stops the thread (finishing the request in hand) and frees; NULL is fine. */
void webpush_stop(struct webpush *wp);
/* New jobs may be waiting: the thread looks now. Any thread; NULL is fine. */
void webpush_wake(struct webpush *wp);
/* The VAPID public key as base64url (the uncompressed point), for the page's subscribe call;
 * NULL when push is off. Owned by wp. */
const char *webpush_public_key(const struct webpush *wp);

/* A push_subscribe frame's "subscription" object ({endpoint, keys: {p256dh, auth}}) checked and
 * stored for platform/chat_id on db: NULL when stored, else the error code to answer
 * ("push_off", "bad_subscription", "busy"). */
const char *webpush_subscribe(struct webpush *wp, struct db *db, const char *platform,
                              const char *chat_id, json_t *subscription);
/* Removes the subscription with that endpoint (the page turned notifications off): NULL or the
 * error code. An endpoint not stored is no error. */
const char *webpush_unsubscribe(struct webpush *wp, struct db *db, const char *platform,
                                const char *chat_id, json_t *subscription);

#endif
