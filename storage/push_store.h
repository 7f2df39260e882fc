/*
 * push_store.h — Web Push in the database (migration 013): the browsers' subscriptions per chat,
 * the notifications waiting for the push sender (bot/webpush.c), and the server's VAPID key
 * pair. Nothing here knows what a notification says or how it is encrypted: a job is only
 * "tell this subscription that something new is waiting".
 *
 * push_jobs_add_for_chat is what handlers call when the police answer a tipster: it is a no-op
 * (DB_OK, no row) for a chat without a subscription, so a handler never asks which platform a
 * tipster is on.
 */
#ifndef TIPGATE_PUSH_STORE_H
#define TIPGATE_PUSH_STORE_H

#include "storage/db.h"

#include <stdint.h>

enum {
    PUSH_ENDPOINT_MAX = 1024, /* bytes of an endpoint URL, NUL included */
    PUSH_KEY_MAX = 128,       /* base64url of a key (p256dh: 87 characters) */
    PUSH_SUBS_PER_CHAT = 5,   /* a resident's browsers; the oldest go past it */
};

/* Stores (or refreshes) the subscription endpoint for platform/chat_id; an endpoint already
 * stored moves to this chat with the new keys. Keeps at most PUSH_SUBS_PER_CHAT per chat. */
int push_sub_add(struct db *db, const char *platform, const char *chat_id, const char *endpoint,
                 const char *p256dh, const char *auth, int64_t now_ms);
/* Removes the chat's subscription with that endpoint: DB_OK, or DB_NOT_FOUND. */
int push_sub_remove(struct db *db, const char *platform, const char *chat_id, const char *endpoint);

/* One notification per subscription of platform/chat_id, unless one is already waiting for it
 * (several answers in a row make one notification). *added (may be NULL) counts the rows. */
int push_jobs_add_for_chat(struct db *db, const char *platform, const char *chat_id, int64_t now_ms,
                           int *added);

struct push_job {
    int64_t id, subscription_id;
    int attempts;
    char endpoint[PUSH_ENDPOINT_MAX];
    char p256dh[PUSH_KEY_MAX];
    char auth[PUSH_KEY_MAX];
};
/* Up to max jobs due at now_ms, oldest first, into jobs; *n how many. */
int push_jobs_due(struct db *db, int64_t now_ms, struct push_job *jobs, int max, int *n);
/* The earliest due_at of any job into *due_ms (0 when there is none). */
int push_jobs_next_due(struct db *db, int64_t *due_ms);
/* Settles a job: delivered (the subscription's last_ok_at), to be retried at due_ms (its
 * last_fail_at), or given up (the job goes; gone_sub also removes the subscription: the push
 * service said 404/410). */
int push_job_done(struct db *db, const struct push_job *j, int64_t now_ms);
int push_job_retry(struct db *db, const struct push_job *j, int64_t due_ms, int64_t now_ms);
int push_job_drop(struct db *db, const struct push_job *j, int gone_sub, int64_t now_ms);

/* The VAPID key pair (base64url, raw scalar and uncompressed point): DB_OK, or DB_NOT_FOUND
 * before the first start made it. */
int push_vapid_get(struct db *db, char priv[PUSH_KEY_MAX], char pub[PUSH_KEY_MAX]);
/* Stores a new pair unless one is there already (two processes starting together: the first
 * wins, both then read it with push_vapid_get). */
int push_vapid_put(struct db *db, const char *priv, const char *pub, int64_t now_ms);

#endif
