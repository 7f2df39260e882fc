/*
 * zalo_oa.h — the Zalo Official Account adapter's pieces that live outside its ops: the
 * settings block and the token store `tipgate zalo-oa authorize` (cli/cli_zalo_oa.c) shares
 * with the adapter, the OAuth v4 token call both make, and the pure functions the unit tests
 * check (the webhook signature, the answer classifier, the event reader). The adapter itself is
 * reached through zalo_oa_platform in the registry (bot/platform.c).
 */
#ifndef TIPGATE_ZALO_OA_H
#define TIPGATE_ZALO_OA_H

#include "bot/bot_settings.h"
#include "bot/platform.h"
#include "config/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct msg;

#define ZOA "zalo_oa"

enum {
    ZOA_TOKEN_MAX = 2048, /* an access or refresh token (Zalo's are a few hundred bytes) */
    ZOA_ID_MAX = 128,     /* a user id, a message id */
    ZOA_REF_MAX = 2048,   /* a media URL */
    ZOA_MAC_HEX = 64,     /* the signature: SHA-256 in hex */
};

/* platforms.zalo_oa (README: Configuration). */
struct zoa_settings {
    bool enabled;
    char *app_id, *app_secret, *oa_secret_key; /* app_secret: the "secret_key" of OAuth */
    char *access_token, *refresh_token;        /* seed the database once */
    char *api_base_url, *oauth_base_url;
    struct bot_rate_limit rate_limit; /* per_group_per_min unused: no groups */
    int max_attempts;
    int window_hours, window_max_messages; /* the consultation window; 0 messages: no limit */
    char *outside_window;                  /* "skip" or "transaction" */
    int refresh_margin_minutes;            /* refresh this long before the access token ends */
};

/* The settings of cfg (registered by the platform registry before cfg_load); NULL when the
 * block was not registered. Borrowed from cfg. */
const struct zoa_settings *zoa_settings_of(const struct cfg *cfg);

/* ---- tokens ---------------------------------------------------------------------------- */

struct zoa_tokens {
    char access[ZOA_TOKEN_MAX];
    char refresh[ZOA_TOKEN_MAX];
    int64_t expires_at_ms; /* 0: unknown */
};

/* The pair kept in platform_state (keys access_token, refresh_token, expires_at). DB_OK,
 * DB_NOT_FOUND when there is no access token stored (t zeroed), or DB_ERROR. */
int zoa_tokens_load(struct db *db, struct zoa_tokens *t);
/* Stores the pair, inside the caller's transaction. DB_OK or DB_ERROR. */
int zoa_tokens_save(struct db *db, const struct zoa_tokens *t, int64_t now_ms);

/* POST {oauth_base_url}/v4/oa/access_token (header secret_key: app_secret) with the form
 * fields already url-encoded in form (without app_id, added here); a blocking call on easy (a
 * CURL *, bounded to timeout_s). On success returns 0 with *t filled (expires_at from
 * expires_in, a string or a number of seconds, after now_ms); else -1 with why saying what
 * Zalo answered (never a token). */
int zoa_token_call(void *easy, const struct zoa_settings *s, const char *form, int64_t now_ms,
                   long timeout_s, struct zoa_tokens *t, char *why, size_t whylen);

/* ---- pure pieces, unit-tested ------------------------------------------------------------ */

/* The webhook signature: SHA-256 of app_id + body (len bytes, exactly as received) +
 * timestamp + oa_secret_key, as 64 lowercase hex digits into mac. The one place the formula
 * lives: another documented one replaces this function alone. */
void zoa_signature(const char *app_id, const char *body, size_t len, const char *timestamp,
                   const char *oa_secret_key, char mac[ZOA_MAC_HEX + 1]);
/* Whether header (the X-ZEvent-Signature value: "mac=<hex>", or the bare hex) carries mac,
 * compared in constant time, case-insensitive in the hex. */
bool zoa_signature_ok(const char *header, const char mac[ZOA_MAC_HEX + 1]);

/* The event's "timestamp" as it appears in the body (a string, or an integer written out)
 * into out; -1 when it is missing or not one of those. */
int zoa_event_timestamp(json_t *ev, char *out, size_t size);

/* One webhook event → *m. Returns 0 (a user's message: store it), 1 for an event that stores
 * nothing (follow, unfollow, seen, an event we do not read), -1 when malformed; on non-zero *m
 * is cleared. now_ms stands in for a missing or future timestamp. */
int zoa_event_to_msg(json_t *ev, int64_t now_ms, struct msg *m);

/* The classify_answer op: {"error":0,"data":{"message_id"}} → SENT; -216/-124/-220 →
 * TOKEN_EXPIRED; -32 → RETRY_AFTER (60 s); user unreachable → BLOCKED; invalid parameters →
 * BAD_REQUEST; no interaction within 7 days (-230, -232) → WINDOW_CLOSED; the rest, 5xx and
 * garbage → TRANSIENT. */
void zoa_classify_answer(long http_status, const char *body, size_t len,
                         struct platform_answer *out);

#endif
