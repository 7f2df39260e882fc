/*
 * zalo_oa.c — the Zalo Official Account adapter (Open API v3 messages, OAuth v4 tokens).
 *
 * Receiving is by webhook only (POST /webhook/zalo_oa): Zalo signs each event in the header
 * X-ZEvent-Signature ("mac=" + SHA-256 of app_id + raw body + timestamp + OA secret key, the
 * formula in zoa_signature alone), answers must come within 2 s, and an event is redelivered
 * when it did not get a 200, so the inbox key is the event's message.msg_id. Each message from
 * a user (re)opens the consultation window (storage/platform_store.h, pstore_window_open):
 * Zalo lets an OA answer for free only within 48 h of the user's last message, a limited
 * number of times (8 by secondary sources; both are settings). build_request counts sends
 * against it (pstore_window_use) and, outside it, returns PLATFORM_OUTSIDE_WINDOW: the row is
 * counted "ngoài khung", never sent — unless outside_window is "transaction" (an operator with
 * a quota for the paid type).
 *
 * Tokens: the access token lasts ~25 h, the refresh token ~3 months and works ONCE. Both live
 * in platform_state; configuration tokens seed the database only when it has none (an
 * operator's first pair; `tipgate zalo-oa authorize`, cli/cli_zalo_oa.c, writes a new one).
 * The sender calls the refresh_token op on its own thread outside any transaction; it re-reads
 * the stored pair, refreshes when the token is near its end or was refused (-216), one refresh
 * at a time (refresh_lock) and never twice for one token (the generation), and stores the new
 * pair before anything uses it. A failed refresh is logged loudly and shown on /healthz; the
 * messages stay queued. No token is ever logged.
 *
 * Sending: POST /v3.0/oa/message/cs with the header access_token; a photo by URL as the media
 * template, a web chat upload (no URL) uploaded first and sent by its attachment_id. No
 * buttons on Zalo OA's consultation messages here: handlers offer numbered choices by
 * capability (caps.buttons false), and a row that has buttons anyway gets them numbered.
 * Answers are {"error":0,…} or a non-zero error with HTTP 200 (zoa_classify_answer).
 */
#include "bot/platforms/zalo_oa.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/msg.h"
#include "base/secure.h"
#include "base/textsplit.h"
#include "bot/app_core.h"
#include "bot/botapi.h"
#include "bot/health.h"
#include "bot/sender.h"
#include "bot/worker.h"
#include "storage/db_writes.h"
#include "storage/inbox.h"
#include "storage/platform_store.h"
#include "storage/uploads.h"

#include <ctype.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    ZOA_MAX_TEXT = 2000,            /* characters of a consultation message */
    ZOA_REFRESH_TIMEOUT_S = 15,     /* one OAuth call; the sender waits for it */
    ZOA_REFRESH_BACKOFF_MS = 60000, /* after a failed refresh, the next try */
    /* Ahead of expiry, at most one refresh in this long: a token Zalo gave a life shorter
     * than refresh_margin_minutes would otherwise be renewed at every turn. */
    ZOA_REFRESH_AHEAD_GAP_MS = 10 * 60000,
    ZOA_RATE_WAIT_S = 60,       /* -32: Zalo's limits are per minute */
    ZOA_ANSWER_MAX = 64 * 1024, /* an OAuth answer */
    ZOA_FORM_MAX = 3 * ZOA_TOKEN_MAX + 256,
    ZOA_IMAGE_MAX = 1024 * 1024, /* Zalo's limit for an uploaded image (jpg, png) */
    ZOA_UPLOAD_TIMEOUT_S = 10,   /* one upload, inside the sender's transaction */
};
/* A seeded pair's life when nothing says (the operator just got it; -216 corrects it). */
#define ZOA_SEED_LIFETIME_MS (24LL * 3600 * 1000)
#define ZOA_DATE_MAX_MS      253402300799999LL /* 9999-12-31: later is garbage */
/* Zalo keeps an uploaded image 7 days; its attachment id is reused for 6. */
#define ZOA_ATTACHMENT_LIFE_MS (6LL * 24 * 3600 * 1000)

struct zoa {
    struct app *app;
    const struct zoa_settings *s;
    struct sender *sender;
    CURL *easy; /* the OAuth calls of refresh_token (one at a time: refresh_lock) */
    /* lock guards tok and gen (build_request reads them, refresh_token writes them); held
     * briefly, never across a call to Zalo. */
    pthread_mutex_t lock;
    struct zoa_tokens tok;
    int gen; /* bumped whenever tok changes: what a refused request's token_gen is against */
    /* refresh_lock makes refreshes one at a time; it guards the fields below it. */
    pthread_mutex_t refresh_lock;
    bool loaded;             /* tok was read from the database (seeded first if need be) */
    bool unsaved;            /* tok came from Zalo but is not stored yet: store before anything */
    int64_t next_try_ms;     /* after a failed refresh, not before this */
    int64_t refreshed_at_ms; /* the last refresh that worked */
};

extern const struct platform_ops zalo_oa_platform; /* at the end: start passes it on */

/* ---- settings ---------------------------------------------------------------------------- */

static const char *const zoa_outside_choices[] = {"skip", "transaction", NULL};

#define ZOA_OFF(field) offsetof(struct zoa_settings, field)
static const struct cfg_spec zoa_spec[] = {
    {"enabled", CFG_BOOL, ZOA_OFF(enabled), NULL, 0, 0, 0, NULL, NULL},
    {"app_id", CFG_STR, ZOA_OFF(app_id), "", 0, 0, 0, NULL, NULL},
    {"app_secret", CFG_SECRET, ZOA_OFF(app_secret), "", 0, 0, 0, NULL, NULL},
    {"oa_secret_key", CFG_SECRET, ZOA_OFF(oa_secret_key), "", 0, 0, 0, NULL, NULL},
    {"access_token", CFG_SECRET, ZOA_OFF(access_token), "", 0, 0, 0, NULL, NULL},
    {"refresh_token", CFG_SECRET, ZOA_OFF(refresh_token), "", 0, 0, 0, NULL, NULL},
    {"api_base_url", CFG_STR, ZOA_OFF(api_base_url), "https://openapi.zalo.me", 0, 0, 0, NULL,
     NULL},
    {"oauth_base_url", CFG_STR, ZOA_OFF(oauth_base_url), "https://oauth.zaloapp.com", 0, 0, 0, NULL,
     NULL},
    {"rate_limit.global_per_sec", CFG_NUM, ZOA_OFF(rate_limit.global_per_sec), NULL, 20, 0, 10000,
     NULL, NULL},
    {"rate_limit.per_chat_per_sec", CFG_NUM, ZOA_OFF(rate_limit.per_chat_per_sec), NULL, 1, 0,
     10000, NULL, NULL},
    {"max_attempts", CFG_INT, ZOA_OFF(max_attempts), NULL, 8, 1, 100, NULL, NULL},
    {"window_hours", CFG_INT, ZOA_OFF(window_hours), NULL, 48, 1, 24 * 365, NULL, NULL},
    {"window_max_messages", CFG_INT, ZOA_OFF(window_max_messages), NULL, 8, 0, 100000, NULL, NULL},
    {"outside_window", CFG_STR, ZOA_OFF(outside_window), "skip", 0, 0, 0, zoa_outside_choices,
     NULL},
    {"refresh_margin_minutes", CFG_INT, ZOA_OFF(refresh_margin_minutes), NULL, 60, 0, 24 * 60, NULL,
     NULL},
};

static bool zoa_is_http(const char *url)
{
    return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;
}

/* The required keys of an enabled OA, in the order the check names them; NULL when all set. */
static const char *zoa_missing(const struct zoa_settings *s)
{
    if (!*s->app_id)
        return "app_id";
    if (!*s->app_secret)
        return "app_secret";
    if (!*s->oa_secret_key)
        return "oa_secret_key";
    return NULL;
}

static int zoa_check(const struct cfg *cfg, const void *settings, char *why, size_t whylen)
{
    const struct zoa_settings *s = settings;
    (void)cfg;
    if (!zoa_is_http(s->api_base_url) || !zoa_is_http(s->oauth_base_url)) {
        snprintf(why, whylen, "platforms." ZOA ".%s: must start with http:// or https://",
                 zoa_is_http(s->api_base_url) ? "oauth_base_url" : "api_base_url");
        return -1;
    }
    const char *missing = s->enabled ? zoa_missing(s) : NULL;
    if (missing) {
        snprintf(why, whylen,
                 "platforms." ZOA ".%s: required when the platform is enabled (from the app's "
                 "page on developers.zalo.me; \"env:NAME\" reads it from the environment)",
                 missing);
        return -1;
    }
    return 0;
}

static const struct cfg_block zoa_settings_block = {
    .prefix = "platforms." ZOA,
    .spec = zoa_spec,
    .n_spec = sizeof zoa_spec / sizeof zoa_spec[0],
    .size = sizeof(struct zoa_settings),
    .strict = true,
    .check = zoa_check,
};

const struct zoa_settings *zoa_settings_of(const struct cfg *cfg)
{
    return cfg_settings(cfg, &zoa_settings_block);
}

static bool zoa_enabled(const struct cfg *cfg)
{
    const struct zoa_settings *s = zoa_settings_of(cfg);
    return s && s->enabled && !zoa_missing(s);
}

/* ---- the webhook signature ------------------------------------------------------------- */

void zoa_signature(const char *app_id, const char *body, size_t len, const char *timestamp,
                   const char *oa_secret_key, char mac[ZOA_MAC_HEX + 1])
{
    size_t a = strlen(app_id), t = strlen(timestamp), k = strlen(oa_secret_key);
    uint8_t digest[SECURE_SHA256_LEN];
    char *buf = malloc(a + len + t + k + 1);
    if (!buf) { /* no memory: a mac nothing matches (the header is hex) */
        memset(mac, 'x', ZOA_MAC_HEX);
        mac[ZOA_MAC_HEX] = '\0';
        return;
    }
    memcpy(buf, app_id, a);
    if (len)
        memcpy(buf + a, body, len);
    memcpy(buf + a + len, timestamp, t);
    memcpy(buf + a + len + t, oa_secret_key, k);
    secure_sha256(buf, a + len + t + k, digest);
    secure_hex(digest, sizeof digest, mac);
    free(buf);
}

bool zoa_signature_ok(const char *header, const char mac[ZOA_MAC_HEX + 1])
{
    char got[ZOA_MAC_HEX + 1];
    if (!header)
        return false;
    while (*header == ' ')
        header++;
    if (strncasecmp(header, "mac=", 4) == 0)
        header += 4;
    size_t n = strcspn(header, " \t\r\n");
    if (n != ZOA_MAC_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        got[i] = (char)tolower((unsigned char)header[i]);
    got[n] = '\0';
    return secure_equal(got, mac);
}

/* ---- reading events --------------------------------------------------------------------- */

int zoa_event_timestamp(json_t *ev, char *out, size_t size)
{
    json_t *v = json_object_get(ev, "timestamp");
    int n = -1;
    if (json_is_string(v) && json_string_length(v) > 0)
        n = snprintf(out, size, "%s", json_string_value(v));
    else if (json_is_integer(v))
        n = snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* An id as text: a string of 1..ZOA_ID_MAX bytes or an integer; NULL otherwise. */
static char *zoa_id(json_t *v)
{
    char buf[32];
    if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= ZOA_ID_MAX)
        return strdup(json_string_value(v));
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return strdup(buf);
    }
    return NULL;
}

/* A coordinate given as a number or a numeric string; NAN when neither. */
static double zoa_coord(json_t *v)
{
    if (json_is_number(v))
        return json_number_value(v);
    if (!json_is_string(v))
        return NAN;
    char *end;
    double d = strtod(json_string_value(v), &end);
    return end != json_string_value(v) && *end == '\0' ? d : NAN;
}

/* Coordinates under {latitude, longitude} or {lat, long}: payload.coordinates as the webhook
 * sends them, message.location as one secondary source shows. */
static void zoa_location(json_t *c, struct msg *m)
{
    json_t *lat = json_object_get(c, "latitude"), *lon = json_object_get(c, "longitude");
    if (!lat)
        lat = json_object_get(c, "lat");
    if (!lon)
        lon = json_object_get(c, "long");
    msg_set_location(m, zoa_coord(lat), zoa_coord(lon));
}

/* The attachment kinds the handlers know, by the type Zalo gives. */
static const struct {
    const char *type, *kind;
} zoa_kinds[] = {
    {"image", "photo"}, {"gif", "photo"},      {"file", "document"},
    {"audio", "voice"}, {"video", "document"}, {"sticker", "sticker"},
};

static void zoa_read_attachment(json_t *a, struct msg *m)
{
    const char *type = json_string_value(json_object_get(a, "type"));
    json_t *payload = json_object_get(a, "payload");
    if (!type || !json_is_object(payload))
        return;
    if (strcmp(type, "location") == 0) {
        zoa_location(json_object_get(payload, "coordinates"), m);
        return;
    }
    const char *url = json_string_value(json_object_get(payload, "url"));
    if (!url || !*url || strlen(url) > ZOA_REF_MAX)
        return;
    for (size_t i = 0; i < sizeof zoa_kinds / sizeof zoa_kinds[0]; i++)
        if (strcmp(type, zoa_kinds[i].type) == 0) {
            msg_add_attachment(m, zoa_kinds[i].kind, url);
            return;
        }
}

/* The event's time in ms: its timestamp when it is one and not in the future, else now. */
static int64_t zoa_date_ms(json_t *ev, int64_t now_ms)
{
    char ts[32], *end;
    if (zoa_event_timestamp(ev, ts, sizeof ts) != 0)
        return now_ms;
    long long v = strtoll(ts, &end, 10);
    return *end == '\0' && v > 0 && v <= ZOA_DATE_MAX_MS && v <= now_ms ? (int64_t)v : now_ms;
}

/* The inbox key: message.msg_id (some payloads say mid), else event + user + timestamp. */
static char *zoa_key(json_t *ev, json_t *message, const char *event, const char *user)
{
    char *id = zoa_id(json_object_get(message, "msg_id")), *key = NULL, ts[32];
    if (!id)
        id = zoa_id(json_object_get(message, "mid"));
    if (id)
        return id;
    if (zoa_event_timestamp(ev, ts, sizeof ts) == 0 &&
        asprintf(&key, "%s:%s:%s", event, user, ts) < 0)
        key = NULL;
    return key;
}

int zoa_event_to_msg(json_t *ev, int64_t now_ms, struct msg *m)
{
    memset(m, 0, sizeof *m);
    const char *event = json_string_value(json_object_get(ev, "event_name"));
    if (!event)
        return -1;
    /* Only a user's own messages: follow, unfollow, seen and delivery receipts, and the echoes
     * of what the OA sent (oa_send_*) store nothing a handler would answer. */
    if (strncmp(event, "user_send_", 10) != 0)
        return 1;
    json_t *message = json_object_get(ev, "message");
    char *user = zoa_id(json_object_get(json_object_get(ev, "sender"), "id"));
    int rc = -1;
    if (!json_is_object(message) || !user)
        goto out;
    m->chat_id = user;
    m->sender_id = strdup(user);
    user = NULL;
    const char *text = json_string_value(json_object_get(message, "text"));
    m->text = text && *text ? strdup(text) : NULL;
    json_t *list = json_object_get(message, "attachments"), *a;
    size_t i;
    json_array_foreach(list, i, a) zoa_read_attachment(a, m);
    json_t *loc = json_object_get(message, "location");
    if (json_is_object(loc) && !m->has_location)
        zoa_location(loc, m);
    m->date_ms = zoa_date_ms(ev, now_ms);
    m->platform = strdup(ZOA);
    m->update_key = zoa_key(ev, message, event, m->chat_id);
    if (m->sender_id && m->platform && m->update_key)
        rc = 0;
out:
    free(user);
    if (rc != 0)
        msg_clear(m);
    return rc;
}

/* ---- the webhook (HTTP thread) ---------------------------------------------------------- */

/* Stores one user message and (re)opens the user's window, in one transaction. */
static int zoa_store(struct zoa *z, struct db *db, const struct msg *m)
{
    char *json = msg_to_json(m);
    int rc = json && app_write_begin(z->app, db) == DB_OK ? 0 : -1;
    if (rc == 0) {
        int st = inbox_add(db, ZOA, m->update_key, m->chat_id, json, clock_now_ms(), NULL);
        if (st == DB_ERROR || pstore_window_open(db, ZOA, m->chat_id, m->date_ms) != DB_OK ||
            db_commit(db) != DB_OK) {
            db_rollback(db);
            rc = -1;
        } else {
            health_received(z->app->health, ZOA, st == DB_OK);
        }
    }
    free(json);
    return rc;
}

static int zoa_webhook(void *state, struct db *db, const struct platform_webhook *in,
                       struct platform_webhook_reply *out)
{
    struct zoa *z = state;
    char ts[32], mac[ZOA_MAC_HEX + 1];
    (void)out;
    if (in->get || !in->body)
        return 405;
    if (!in->headers[0])
        return 401;
    json_t *ev = json_loadb(in->body, in->len, 0, NULL);
    int status = 400;
    if (!json_is_object(ev))
        goto out;
    status = 401;
    if (zoa_event_timestamp(ev, ts, sizeof ts) != 0)
        goto out;
    zoa_signature(z->s->app_id, in->body, in->len, ts, z->s->oa_secret_key, mac);
    if (!zoa_signature_ok(in->headers[0], mac))
        goto out;
    struct msg m;
    int r = zoa_event_to_msg(ev, clock_now_ms(), &m);
    status = 200;
    if (r < 0)
        log_warn(ZOA, "ignoring a signed event that cannot be read (no sender or message)");
    if (r != 0)
        goto out;
    status = zoa_store(z, db, &m) == 0 ? 200 : 500;
    msg_clear(&m);
    if (status == 200)
        worker_wake(z->app->worker);
    else if (!db_writes_refusing()) /* a full disk is logged once, by storage/db_writes.c */
        log_error(ZOA, "cannot store an event; Zalo will deliver it again");
out:
    json_decref(ev);
    return status;
}

/* ---- tokens ------------------------------------------------------------------------------ */

int zoa_tokens_load(struct db *db, struct zoa_tokens *t)
{
    char exp[32];
    memset(t, 0, sizeof *t);
    int rc = pstore_get(db, ZOA, "access_token", t->access, sizeof t->access);
    if (rc == DB_OK && !t->access[0])
        rc = DB_NOT_FOUND;
    if (rc != DB_OK)
        return rc;
    if (pstore_get(db, ZOA, "refresh_token", t->refresh, sizeof t->refresh) == DB_ERROR ||
        pstore_get(db, ZOA, "expires_at", exp, sizeof exp) == DB_ERROR)
        return DB_ERROR;
    t->expires_at_ms = strtoll(exp, NULL, 10);
    return DB_OK;
}

int zoa_tokens_save(struct db *db, const struct zoa_tokens *t, int64_t now_ms)
{
    char exp[32];
    snprintf(exp, sizeof exp, "%" PRId64, t->expires_at_ms);
    if (pstore_set(db, ZOA, "access_token", t->access, now_ms) != DB_OK ||
        pstore_set(db, ZOA, "refresh_token", t->refresh, now_ms) != DB_OK ||
        pstore_set(db, ZOA, "expires_at", exp, now_ms) != DB_OK)
        return DB_ERROR;
    return DB_OK;
}

/* expires_in as Zalo sends it: "90000" (a string) or a number of seconds; 0 when neither. */
static int64_t zoa_expires_in_s(json_t *v)
{
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        long long n = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0' && n > 0)
            return n;
    }
    return 0;
}

/* Reads an OAuth answer into *t; -1 with why when it holds no pair. */
static int zoa_read_pair(const char *body, size_t len, int64_t now_ms, struct zoa_tokens *t,
                         char *why, size_t whylen)
{
    json_t *root = json_loadb(body ? body : "", len, 0, NULL);
    const char *at = json_string_value(json_object_get(root, "access_token"));
    const char *rt = json_string_value(json_object_get(root, "refresh_token"));
    int rc = -1;
    if (at && rt && *at && *rt && strlen(at) < sizeof t->access && strlen(rt) < sizeof t->refresh) {
        snprintf(t->access, sizeof t->access, "%s", at);
        snprintf(t->refresh, sizeof t->refresh, "%s", rt);
        int64_t in = zoa_expires_in_s(json_object_get(root, "expires_in"));
        t->expires_at_ms = in ? now_ms + in * 1000 : 0;
        rc = 0;
    } else if (json_is_object(root)) {
        json_t *err = json_object_get(root, "error");
        const char *name = json_string_value(json_object_get(root, "error_name"));
        const char *desc = json_string_value(json_object_get(root, "error_description"));
        snprintf(why, whylen, "error %" JSON_INTEGER_FORMAT ": %s%s%s",
                 json_is_integer(err) ? json_integer_value(err) : 0, name ? name : "",
                 name && desc ? " — " : "", desc ? desc : (name ? "" : "no token in the answer"));
    } else {
        snprintf(why, whylen, "the answer is not Zalo's JSON");
    }
    json_decref(root);
    return rc;
}

int zoa_token_call(void *easy, const struct zoa_settings *s, const char *form, int64_t now_ms,
                   long timeout_s, struct zoa_tokens *t, char *why, size_t whylen)
{
    char url[PLATFORM_URL_MAX], secret[PLATFORM_HEADER_MAX], *body = NULL;
    struct botapi_buf answer = {0};
    struct curl_slist *headers = NULL;
    char *app = curl_easy_escape(easy, s->app_id, 0);
    size_t n = strlen(s->oauth_base_url);
    while (n > 0 && s->oauth_base_url[n - 1] == '/')
        n--;
    int rc = -1;
    memset(t, 0, sizeof *t);
    snprintf(why, whylen, "out of memory");
    if (!app || asprintf(&body, "app_id=%s&%s", app, form) < 0) {
        body = NULL;
        goto out;
    }
    snprintf(url, sizeof url, "%.*s/v4/oa/access_token", (int)n, s->oauth_base_url);
    snprintf(secret, sizeof secret, "secret_key: %s", s->app_secret);
    struct curl_slist *h1 = curl_slist_append(NULL, secret);
    struct curl_slist *h2 =
        h1 ? curl_slist_append(h1, "Content-Type: application/x-www-form-urlencoded") : NULL;
    headers = h2 ? h2 : h1;
    if (!h2)
        goto out;
    botapi_buf_reset(&answer, ZOA_ANSWER_MAX);
    botapi_prepare(easy, url, body, headers, &answer, timeout_s);
    CURLcode cc = curl_easy_perform(easy);
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK)
        snprintf(why, whylen, "no answer from %.*s: %s", (int)n, s->oauth_base_url,
                 curl_easy_strerror(cc));
    else if (status != 200)
        snprintf(why, whylen, "HTTP %ld", status);
    else
        rc = zoa_read_pair(answer.data, answer.len, now_ms, t, why, whylen);
out:
    curl_slist_free_all(headers);
    botapi_buf_free(&answer);
    curl_free(app);
    free(body);
    return rc;
}

/* The stored pair, seeded from the configuration when the database has none. Refresh lock
 * held. 0 with *t, or -1 (a database error, logged). DB_NOT_FOUND leaves *t empty. */
static int zoa_stored(struct zoa *z, struct db *db, struct zoa_tokens *t)
{
    int rc = zoa_tokens_load(db, t);
    if (rc != DB_NOT_FOUND || !*z->s->access_token)
        return rc == DB_ERROR ? -1 : 0;
    /* First start with tokens in the configuration: they become the stored pair, once. */
    snprintf(t->access, sizeof t->access, "%s", z->s->access_token);
    snprintf(t->refresh, sizeof t->refresh, "%s", z->s->refresh_token);
    t->expires_at_ms = clock_now_ms() + ZOA_SEED_LIFETIME_MS;
    if (app_write_begin(z->app, db) != DB_OK || zoa_tokens_save(db, t, clock_now_ms()) != DB_OK ||
        db_commit(db) != DB_OK) {
        db_rollback(db);
        log_error(ZOA, "cannot store the tokens of the configuration in the database");
        return -1;
    }
    log_info(ZOA, "stored the configuration's token pair in the database; from now on the "
                  "database holds the current pair (platforms." ZOA ".access_token and "
                  "refresh_token are not read again)");
    return 0;
}

/* Makes tok the stored pair when it changed there (a first start, `tipgate zalo-oa
 * authorize` meanwhile); a pair refreshed but not yet stored is stored first. Refresh lock
 * held. */
static void zoa_sync(struct zoa *z, struct db *db)
{
    struct zoa_tokens stored;
    if (z->unsaved) {
        pthread_mutex_lock(&z->lock);
        stored = z->tok;
        pthread_mutex_unlock(&z->lock);
        if (app_write_begin(z->app, db) == DB_OK &&
            zoa_tokens_save(db, &stored, clock_now_ms()) == DB_OK && db_commit(db) == DB_OK) {
            z->unsaved = false;
            log_info(ZOA, "the refreshed token pair is stored now");
        } else {
            db_rollback(db);
        }
        return;
    }
    if (zoa_stored(z, db, &stored) != 0)
        return;
    pthread_mutex_lock(&z->lock);
    bool changed = strcmp(stored.access, z->tok.access) != 0;
    if (changed) {
        z->tok = stored;
        z->gen++;
    }
    pthread_mutex_unlock(&z->lock);
    if (changed && z->loaded) {
        log_info(ZOA, "a new token pair was found in the database; using it");
        z->next_try_ms = 0;
    }
    z->loaded = true;
}

/* Asks Zalo for a new pair with the refresh token of cur and stores it before use. */
static int zoa_refresh_now(struct zoa *z, struct db *db, const struct zoa_tokens *cur, int64_t now)
{
    char why[PLATFORM_WHY_MAX], form[ZOA_FORM_MAX];
    struct zoa_tokens fresh;
    char *rt = curl_easy_escape(z->easy, cur->refresh, 0);
    int rc = -1;
    if (!cur->refresh[0])
        snprintf(why, sizeof why, "no refresh token is stored");
    else if (!rt)
        snprintf(why, sizeof why, "out of memory");
    else if (snprintf(form, sizeof form, "refresh_token=%s&grant_type=refresh_token", rt) <
             (int)sizeof form)
        rc = zoa_token_call(z->easy, z->s, form, now, ZOA_REFRESH_TIMEOUT_S, &fresh, why,
                            sizeof why);
    curl_free(rt);
    if (rc != 0) {
        z->next_try_ms = now + ZOA_REFRESH_BACKOFF_MS;
        log_error(ZOA,
                  "CANNOT REFRESH THE ACCESS TOKEN (%s): messages to Zalo OA stay queued. "
                  "Run `tipgate zalo-oa authorize` if this lasts",
                  why);
        health_token(z->app->health, ZOA, 1, why);
        return -1;
    }
    log_add_secret(fresh.access);
    log_add_secret(fresh.refresh);
    /* The old refresh token is dead now: the new pair is stored before anything uses it. If
     * the database refuses, it is used from memory and stored again at the next turn. */
    if (app_write_begin(z->app, db) != DB_OK || zoa_tokens_save(db, &fresh, now) != DB_OK ||
        db_commit(db) != DB_OK) {
        db_rollback(db);
        z->unsaved = true;
        log_error(ZOA, "the refreshed token pair could not be stored; it is kept in memory and "
                       "stored at the next turn (a restart before that loses it)");
    }
    pthread_mutex_lock(&z->lock);
    z->tok = fresh;
    z->gen++;
    pthread_mutex_unlock(&z->lock);
    z->next_try_ms = 0;
    z->refreshed_at_ms = now;
    health_token(z->app->health, ZOA, 0, NULL);
    log_info(ZOA, "access token refreshed");
    return 0;
}

/* The refresh_token op (bot/platform.h): on the sender's thread, outside any transaction. */
static int zoa_refresh_token(void *state, struct db *db, int failed_gen, int64_t now_ms)
{
    struct zoa *z = state;
    struct zoa_tokens cur;
    pthread_mutex_lock(&z->refresh_lock);
    zoa_sync(z, db);
    pthread_mutex_lock(&z->lock);
    cur = z->tok;
    int gen = z->gen;
    pthread_mutex_unlock(&z->lock);
    int64_t margin = (int64_t)z->s->refresh_margin_minutes * 60000;
    int rc;
    if (failed_gen >= 0 && failed_gen < gen)
        rc = 0; /* refreshed already, by another refusal or an operator */
    else if (failed_gen < 0 && (!cur.expires_at_ms || now_ms < cur.expires_at_ms - margin ||
                                now_ms - z->refreshed_at_ms < ZOA_REFRESH_AHEAD_GAP_MS))
        rc = cur.access[0] ? 0 : -1; /* not due */
    else if (now_ms < z->next_try_ms)
        rc = -1; /* failed a moment ago: wait */
    else
        rc = zoa_refresh_now(z, db, &cur, now_ms);
    pthread_mutex_unlock(&z->refresh_lock);
    return rc;
}

/* ---- sending ------------------------------------------------------------------------------ */

/* No buttons here: a row that has some anyway shows them as numbered choices, if that still
 * fits in one message; else the text goes alone rather than be refused. */
static char *zoa_text(const struct outbox_row *row)
{
    if (!row->buttons)
        return strdup(row->text ? row->text : "");
    char *out = textsplit_numbered(row->text, row->buttons);
    if (out && textsplit_units(out, strlen(out)) > ZOA_MAX_TEXT) {
        log_warn(ZOA, "outbox row %lld: numbered choices would take it over %d characters",
                 (long long)row->id, ZOA_MAX_TEXT);
        free(out);
        out = strdup(row->text);
    }
    return out;
}

/* ---- web chat uploads ------------------------------------------------------------------ */

/* A photo uploaded in the web chat has no URL Zalo could fetch: it is uploaded first (POST
 * /v2.0/oa/upload/image, multipart "file") and sent by its attachment_id, kept in
 * platform_state ("att:<sha256>" → "<ms> <id>") for ZOA_ATTACHMENT_LIFE_MS so a photo sent to
 * many officers is uploaded once. The upload is the prepare op: on the sender's thread before
 * its transaction, so the call (bounded by ZOA_UPLOAD_TIMEOUT_S) never holds the write lock;
 * build_request only reads the kept id. A photo that could not be uploaded goes as its text
 * alone, with a warning. */

static void zoa_attachment_key(const char *ref, char *key, size_t size)
{
    snprintf(key, size, "att:%s", ref + strlen(UPLOADS_REF_PREFIX));
}

static bool zoa_attachment_cached(struct db *db, const char *ref, int64_t now,
                                  char id[ZOA_ID_MAX + 1])
{
    char key[8 + UPLOADS_HEX_LEN], val[ZOA_ID_MAX + 32], got[ZOA_ID_MAX + 1];
    long long at;
    zoa_attachment_key(ref, key, sizeof key);
    if (pstore_get(db, ZOA, key, val, sizeof val) != DB_OK ||
        sscanf(val, "%lld %128s", &at, got) != 2 || now - at > ZOA_ATTACHMENT_LIFE_MS)
        return false;
    snprintf(id, ZOA_ID_MAX + 1, "%s", got);
    return true;
}

/* POSTs data as the multipart field "file"; the answer into *answer. 0 or -1 (why). */
static int zoa_upload_post(struct zoa *z, const char *token, const char *data, size_t len,
                           const char *type, struct botapi_buf *answer, char *why, size_t whylen)
{
    char url[PLATFORM_URL_MAX], header[PLATFORM_HEADER_MAX];
    size_t n = strlen(z->s->api_base_url);
    while (n > 0 && z->s->api_base_url[n - 1] == '/')
        n--;
    snprintf(url, sizeof url, "%.*s/v2.0/oa/upload/image", (int)n, z->s->api_base_url);
    snprintf(header, sizeof header, "access_token: %s", token);
    curl_mime *mime = curl_mime_init(z->easy);
    curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
    struct curl_slist *headers = curl_slist_append(NULL, header);
    int rc = -1;
    if (part && headers && curl_mime_name(part, "file") == CURLE_OK &&
        curl_mime_data(part, data, len) == CURLE_OK &&
        curl_mime_filename(part, strcmp(type, "image/png") == 0 ? "photo.png" : "photo.jpg") ==
            CURLE_OK &&
        curl_mime_type(part, type) == CURLE_OK) {
        curl_easy_reset(z->easy);
        curl_easy_setopt(z->easy, CURLOPT_URL, url);
        curl_easy_setopt(z->easy, CURLOPT_MIMEPOST, mime);
        curl_easy_setopt(z->easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(z->easy, CURLOPT_WRITEFUNCTION, botapi_buf_write);
        curl_easy_setopt(z->easy, CURLOPT_WRITEDATA, answer);
        curl_easy_setopt(z->easy, CURLOPT_TIMEOUT, (long)ZOA_UPLOAD_TIMEOUT_S);
        curl_easy_setopt(z->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(z->easy, CURLOPT_PROTOCOLS_STR, "http,https");
        CURLcode cc = curl_easy_perform(z->easy);
        rc = cc == CURLE_OK ? 0 : -1;
        if (cc != CURLE_OK)
            snprintf(why, whylen, "%s", curl_easy_strerror(cc));
        curl_easy_reset(z->easy); /* the mime dies below: nothing may point at it */
    } else {
        snprintf(why, whylen, "out of memory");
    }
    curl_slist_free_all(headers);
    curl_mime_free(mime);
    return rc;
}

/* Uploads the file of ref with token, caches its attachment id. 0 with id, or -1 (why). */
static int zoa_upload(struct zoa *z, struct db *db, const char *ref, const char *token, int64_t now,
                      char id[ZOA_ID_MAX + 1], char *why, size_t whylen)
{
    char dir[UPLOADS_PATH_MAX], key[8 + UPLOADS_HEX_LEN], val[ZOA_ID_MAX + 32], *data = NULL;
    size_t len = 0;
    struct botapi_buf answer = {0};
    int rc = -1;
    if (uploads_dir(z->app->cfg->storage_path, dir, sizeof dir) != 0 ||
        uploads_read(dir, ref, &data, &len) != 0) {
        snprintf(why, whylen, "the uploaded photo is missing");
        return -1;
    }
    const char *type = uploads_sniff(data, len);
    if (!type || (strcmp(type, "image/jpeg") != 0 && strcmp(type, "image/png") != 0) ||
        len > ZOA_IMAGE_MAX) {
        snprintf(why, whylen, "Zalo takes JPEG or PNG photos up to 1 MB (this one: %s, %zu bytes)",
                 type ? type : "unknown", len);
        goto out;
    }
    botapi_buf_reset(&answer, ZOA_ANSWER_MAX);
    if (zoa_upload_post(z, token, data, len, type, &answer, why, whylen) != 0)
        goto out;
    json_t *root = json_loadb(answer.data ? answer.data : "", answer.len, 0, NULL);
    json_t *att = json_object_get(json_object_get(root, "data"), "attachment_id");
    if (json_integer_value(json_object_get(root, "error")) == 0 && json_is_string(att) &&
        json_string_length(att) > 0 && json_string_length(att) <= ZOA_ID_MAX &&
        !strchr(json_string_value(att), ' ')) {
        snprintf(id, ZOA_ID_MAX + 1, "%s", json_string_value(att));
        zoa_attachment_key(ref, key, sizeof key);
        snprintf(val, sizeof val, "%" PRId64 " %s", now, id);
        if (pstore_set(db, ZOA, key, val, now) != DB_OK)
            log_warn(ZOA, "cannot keep an uploaded photo's attachment id; it is uploaded again");
        rc = 0;
    } else {
        json_t *e = json_object_get(root, "error");
        const char *m = json_string_value(json_object_get(root, "message"));
        snprintf(why, whylen, "upload refused: error %" JSON_INTEGER_FORMAT ": %s",
                 json_is_integer(e) ? json_integer_value(e) : 0, m ? m : "not Zalo's answer");
    }
    json_decref(root);
out:
    botapi_buf_free(&answer);
    free(data);
    return rc;
}

/* The prepare op (bot/platform.h): a row with a web chat photo not uploaded yet gets it
 * uploaded, outside the sender's transaction. */
static void zoa_prepare(void *state, struct db *db, const struct outbox_row *row, int64_t now)
{
    struct zoa *z = state;
    char id[ZOA_ID_MAX + 1], why[PLATFORM_WHY_MAX], token[ZOA_TOKEN_MAX];
    if (!row->photo || !uploads_is_ref(row->photo) ||
        zoa_attachment_cached(db, row->photo, now, id))
        return;
    pthread_mutex_lock(&z->lock);
    snprintf(token, sizeof token, "%s", z->tok.access);
    pthread_mutex_unlock(&z->lock);
    pthread_mutex_lock(&z->refresh_lock); /* z->easy */
    if (zoa_upload(z, db, row->photo, token, now, id, why, sizeof why) != 0)
        log_warn(ZOA, "outbox row %lld: its photo goes without the image (%s)", (long long)row->id,
                 why);
    pthread_mutex_unlock(&z->refresh_lock);
}

/* {"recipient":{"user_id"},"message":{"text", "attachment"?}}: a photo goes as the media
 * template, by URL or by the attachment_id of an upload (attachment_id; NULL: none). */
static json_t *zoa_body(const struct outbox_row *row, const char *text, const char *attachment_id)
{
    json_t *message = json_object();
    bool upload = row->photo && uploads_is_ref(row->photo);
    if (*text)
        json_object_set_new(message, "text", json_string(text));
    if (row->photo && (!upload || attachment_id)) {
        json_t *media =
            json_pack("{s:s, s:{s:s, s:[{s:s, s:s}]}}", "type", "template", "payload",
                      "template_type", "media", "elements", "media_type", "image",
                      upload ? "attachment_id" : "url", upload ? attachment_id : row->photo);
        json_object_set_new(message, "attachment", media);
    }
    return json_pack("{s:{s:s}, s:o}", "recipient", "user_id", row->chat_id, "message", message);
}

static int zoa_build_request(void *state, struct db *db, const struct outbox_row *row,
                             int64_t now_ms, struct platform_request *out, const char **why)
{
    struct zoa *z = state;
    const struct zoa_settings *s = z->s;
    bool open = false;
    if (pstore_window_use(db, ZOA, row->chat_id, now_ms, (int64_t)s->window_hours * 3600000,
                          s->window_max_messages, &open) != DB_OK) {
        *why = "cannot read the user's messaging window";
        return -1;
    }
    const char *path = "/v3.0/oa/message/cs";
    if (!open) {
        if (strcmp(s->outside_window, "transaction") != 0)
            return PLATFORM_OUTSIDE_WINDOW;
        path = "/v3.0/oa/message/transaction";
    }
    char token[ZOA_TOKEN_MAX], attachment[ZOA_ID_MAX + 1];
    pthread_mutex_lock(&z->lock);
    snprintf(token, sizeof token, "%s", z->tok.access);
    out->token_gen = z->gen;
    pthread_mutex_unlock(&z->lock);
    int len = snprintf(out->headers[0], sizeof out->headers[0], "access_token: %s", token);
    if (len < 0 || (size_t)len >= sizeof out->headers[0]) {
        *why = "the access token is longer than a header line may be";
        return -1;
    }
    bool upload = row->photo && uploads_is_ref(row->photo) &&
                  zoa_attachment_cached(db, row->photo, now_ms, attachment); /* zoa_prepare */
    char *text = zoa_text(row);
    json_t *body = text ? zoa_body(row, text, upload ? attachment : NULL) : NULL;
    free(text);
    out->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!out->body) {
        *why = "out of memory";
        return -1;
    }
    size_t n = strlen(s->api_base_url);
    while (n > 0 && s->api_base_url[n - 1] == '/')
        n--;
    snprintf(out->url, sizeof out->url, "%.*s%s", (int)n, s->api_base_url, path);
    return 0;
}

/* ---- answers ------------------------------------------------------------------------------ */

/* What an error code means. Zalo's own error page (developers.zalo.me) could not be reached
 * from here; these come from the OA error table as integrators reproduce it, agreeing with
 * each other and with Zalo's SDKs: -216 access token invalid, -32 rate limit, -201 invalid
 * parameter, -210 parameter beyond its limit, -213 user has not followed the OA, -227 user
 * banned or inactive for 45 days, -230 no interaction within 7 days, -232 interaction
 * expired, -233 message type not supported, -244 user restricted this message type.
 * Secondary (one source each, not the OA table): -124 (the ZNS table's "access token
 * invalid") and -220 ("access token expired or removed"). -230 and -232 say Zalo's window is
 * closed where our record thought it open (the user's last message came before tipgate ran):
 * counted outside the window, not as a failure, and the user stays reachable. */
static const struct {
    int code;
    enum platform_verdict verdict;
} zoa_codes[] = {
    {-216, PLATFORM_TOKEN_EXPIRED}, {-124, PLATFORM_TOKEN_EXPIRED}, {-220, PLATFORM_TOKEN_EXPIRED},
    {-32, PLATFORM_RETRY_AFTER},    {-213, PLATFORM_BLOCKED},       {-227, PLATFORM_BLOCKED},
    {-244, PLATFORM_BLOCKED},       {-201, PLATFORM_BAD_REQUEST},   {-210, PLATFORM_BAD_REQUEST},
    {-233, PLATFORM_BAD_REQUEST},   {-230, PLATFORM_WINDOW_CLOSED}, {-232, PLATFORM_WINDOW_CLOSED},
};

void zoa_classify_answer(long http_status, const char *body, size_t len,
                         struct platform_answer *out)
{
    memset(out, 0, sizeof *out);
    out->verdict = PLATFORM_TRANSIENT;
    json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *err = json_object_get(root, "error");
    if (http_status == 429) {
        out->verdict = PLATFORM_RETRY_AFTER;
        snprintf(out->why, sizeof out->why, "HTTP 429");
    } else if (!json_is_integer(err) || http_status >= 500) {
        snprintf(out->why, sizeof out->why, "HTTP %ld (%s)", http_status,
                 json_is_integer(err) ? "server error" : "not Zalo's answer");
    } else {
        json_int_t code = json_integer_value(err);
        const char *text = json_string_value(json_object_get(root, "message"));
        out->understood = true;
        snprintf(out->why, sizeof out->why, "error %" JSON_INTEGER_FORMAT ": %s", code,
                 text ? text : "");
        if (code == 0) {
            out->verdict = PLATFORM_SENT;
            json_t *id = json_object_get(json_object_get(root, "data"), "message_id");
            if (json_is_string(id) && json_string_length(id) < sizeof out->message_id)
                snprintf(out->message_id, sizeof out->message_id, "%s", json_string_value(id));
        }
        for (size_t i = 0; code && i < sizeof zoa_codes / sizeof zoa_codes[0]; i++)
            if (zoa_codes[i].code == code)
                out->verdict = zoa_codes[i].verdict;
        if (out->verdict == PLATFORM_RETRY_AFTER)
            out->retry_after_s = ZOA_RATE_WAIT_S;
    }
    json_decref(root);
}

/* ---- the platform ------------------------------------------------------------------------- */

static void zoa_free(struct zoa *z)
{
    if (!z)
        return;
    if (z->easy)
        curl_easy_cleanup(z->easy);
    pthread_mutex_destroy(&z->lock);
    pthread_mutex_destroy(&z->refresh_lock);
    free(z);
}

static int zoa_start(struct app *app, void **state)
{
    struct zoa *z = calloc(1, sizeof *z);
    if (!z)
        return -1;
    z->app = app;
    z->s = zoa_settings_of(app->cfg);
    pthread_mutex_init(&z->lock, NULL);
    pthread_mutex_init(&z->refresh_lock, NULL);
    const struct bot_rate_limit *rl = &z->s->rate_limit;
    struct sender_config sc = {
        .global = ratelimit_rule(rl->global_per_sec, 1000, (int)rl->global_per_sec),
        .chat = ratelimit_rule(rl->per_chat_per_sec, 1000, 2),
        .group = ratelimit_rule(0, 60000, 0),
        .max_attempts = z->s->max_attempts,
        .concurrency = 16,
    };
    if (!(z->easy = curl_easy_init()) ||
        sender_start(app, &sc, &zalo_oa_platform, z, &z->sender) != 0) {
        zoa_free(z);
        return -1;
    }
    log_info(ZOA, "receiving at POST /webhook/" ZOA " (register it, behind TLS, in the app's "
                  "Webhook settings on developers.zalo.me)");
    *state = z;
    return 0;
}

static void zoa_stop(void *state)
{
    struct zoa *z = state;
    sender_stop(z->sender);
    zoa_free(z);
}

static void zoa_wake(void *state)
{
    struct zoa *z = state;
    sender_wake(z->sender);
}

const struct platform_ops zalo_oa_platform = {
    .name = ZOA,
    .caps = {.max_text_chars = ZOA_MAX_TEXT,
             .max_caption_chars = ZOA_MAX_TEXT,
             .buttons = false,
             .groups = false,
             .edit = false,
             .photos = true,
             .local_photos = true},
    .enabled = zoa_enabled,
    .start = zoa_start,
    .stop = zoa_stop,
    .wake = zoa_wake,
    .webhook_path = "/webhook/" ZOA,
    .webhook_headers = {"x-zevent-signature:", NULL},
    .webhook = zoa_webhook,
    .settings = &zoa_settings_block,
    .build_request = zoa_build_request,
    .classify_answer = zoa_classify_answer,
    .refresh_token = zoa_refresh_token,
    .prepare = zoa_prepare,
    .file_url = platform_file_url_as_is,
};
