/*
 * webpush.c — see webpush.h. One thread, one request at a time: notifications are rare (one per
 * answer from the police, and several answers in a row make one), so a curl multi handle and a
 * rate limiter like the platform senders' would be weight without use. A request has
 * WP_TIMEOUT_S to finish; the thread looks for due jobs when woken (the web chat's wake, after
 * the worker committed an answer) and otherwise when the next retry is due, at least every
 * WP_IDLE_MS (jobs another process queued).
 *
 * The endpoint's path is the subscription's capability: logs name only its origin and the
 * subscription's row id.
 */
#include "bot/webpush.h"

#include "base/clock.h"
#include "base/log.h"
#include "bot/app_core.h"
#include "bot/webpush_crypto.h"
#include "storage/push_store.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WP_BATCH         16
#define WP_IDLE_MS       30000
#define WP_TIMEOUT_S     15L
#define WP_RETRY_BASE_MS 5000
#define WP_RETRY_CAP_MS  (60 * 60 * 1000)
#define WP_MAX_ATTEMPTS  8
#define WP_JWT_LIFE_S    (12 * 3600) /* RFC 8292: no more than 24 hours */
#define WP_PAYLOAD_MAX   1024
#define WP_ORIGIN_MAX    300
#define WP_HEADER_MAX    (WPC_JWT_MAX + 200)
#define WP_SUBJECT_MAX   200

struct webpush_settings {
    bool enabled;
    char *subject;
    int ttl_s;
    bool allow_insecure;
};

static const struct cfg_spec webpush_spec[] = {
    {"enabled", CFG_BOOL, offsetof(struct webpush_settings, enabled), NULL, 1, 0, 0, NULL, NULL},
    {"subject", CFG_STR, offsetof(struct webpush_settings, subject), "mailto:admin@localhost", 0, 0,
     0, NULL, NULL},
    {"ttl_s", CFG_INT, offsetof(struct webpush_settings, ttl_s), NULL, 86400, 60, 2419200, NULL,
     NULL},
    {"allow_insecure_endpoints", CFG_BOOL, offsetof(struct webpush_settings, allow_insecure), NULL,
     0, 0, 0, NULL, NULL},
};

/* The contact must be a mailto: or https: URI (RFC 8292 §2.1) that fits the token. */
static int webpush_check(const struct cfg *cfg, const void *settings, char *why, size_t whylen)
{
    const struct webpush_settings *s = settings;
    const char *sub = s->subject ? s->subject : "";
    if ((strncmp(sub, "mailto:", 7) == 0 || strncmp(sub, "https://", 8) == 0) &&
        strlen(sub) < WP_SUBJECT_MAX && !strpbrk(sub, "\"\\"))
        return 0;
    snprintf(why, whylen,
             "webpush.subject: a mailto: or https: address of whoever runs the "
             "service (push services write there about problems), at most %d bytes",
             WP_SUBJECT_MAX - 1);
    return -1;
}

const struct cfg_block webpush_settings = {
    .prefix = "webpush",
    .spec = webpush_spec,
    .n_spec = sizeof webpush_spec / sizeof webpush_spec[0],
    .size = sizeof(struct webpush_settings),
    .strict = true,
    .check = webpush_check,
};

struct webpush {
    struct app *app;
    const struct webpush_settings *set;
    uint8_t priv[WPC_PRIV_LEN];
    char pub_b64[PUSH_KEY_MAX];
    char payload[WP_PAYLOAD_MAX];
    struct db *db; /* the thread's */
    CURL *easy;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int woken, stop;                /* under lock */
    struct push_job jobs[WP_BATCH]; /* the thread's batch (too big for its stack frame) */
};

/* ---- subscriptions ------------------------------------------------------------------------- */

/* The scheme and authority of url ("https://host:port") into out; -1 when it has none. */
static int wp_origin(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    if (!p || p == url)
        return -1;
    p += 3;
    size_t host = strcspn(p, "/?#");
    size_t n = (size_t)(p - url) + host;
    if (host == 0 || n >= cap || memchr(p, '@', host))
        return -1;
    memcpy(out, url, n);
    out[n] = '\0';
    return 0;
}

static int wp_valid_endpoint(const struct webpush *wp, const char *e)
{
    char origin[WP_ORIGIN_MAX];
    if (!e || strlen(e) >= PUSH_ENDPOINT_MAX || wp_origin(e, origin, sizeof origin) != 0)
        return 0;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return 0;
    if (strncmp(e, "https://", 8) == 0)
        return 1;
    return wp->set->allow_insecure && (strcmp(origin, "http://127.0.0.1") == 0 ||
                                       strncmp(origin, "http://127.0.0.1:", 17) == 0);
}

/* The subscription's keys, checked: p256dh a point on P-256, auth 16 bytes; canonical
 * base64url into p256dh_out and auth_out. */
static int wp_valid_keys(json_t *keys, char p256dh_out[PUSH_KEY_MAX], char auth_out[PUSH_KEY_MAX])
{
    const char *p = json_string_value(json_object_get(keys, "p256dh"));
    const char *a = json_string_value(json_object_get(keys, "auth"));
    uint8_t pub[WPC_PUB_LEN + 1], auth[WPC_AUTH_LEN + 1];
    if (!p || !a || strlen(p) >= PUSH_KEY_MAX || strlen(a) >= PUSH_KEY_MAX)
        return 0;
    if (wpc_b64url_decode(p, pub, sizeof pub) != WPC_PUB_LEN || wpc_check_public(pub) != 0 ||
        wpc_b64url_decode(a, auth, sizeof auth) != WPC_AUTH_LEN)
        return 0;
    return wpc_b64url_encode(pub, WPC_PUB_LEN, p256dh_out, PUSH_KEY_MAX) == 0 &&
           wpc_b64url_encode(auth, WPC_AUTH_LEN, auth_out, PUSH_KEY_MAX) == 0;
}

const char *webpush_subscribe(struct webpush *wp, struct db *db, const char *platform,
                              const char *chat_id, json_t *subscription)
{
    if (!wp)
        return "push_off";
    const char *endpoint = json_string_value(json_object_get(subscription, "endpoint"));
    char p256dh[PUSH_KEY_MAX], auth[PUSH_KEY_MAX];
    if (!wp_valid_endpoint(wp, endpoint) ||
        !wp_valid_keys(json_object_get(subscription, "keys"), p256dh, auth))
        return "bad_subscription";
    if (push_sub_add(db, platform, chat_id, endpoint, p256dh, auth, clock_now_ms()) != DB_OK)
        return "busy";
    log_info("webpush", "chat %s subscribed to notifications", chat_id);
    return NULL;
}

const char *webpush_unsubscribe(struct webpush *wp, struct db *db, const char *platform,
                                const char *chat_id, json_t *subscription)
{
    if (!wp)
        return "push_off";
    const char *endpoint = json_string_value(json_object_get(subscription, "endpoint"));
    if (!endpoint || strlen(endpoint) >= PUSH_ENDPOINT_MAX)
        return "bad_subscription";
    int rc = push_sub_remove(db, platform, chat_id, endpoint);
    return rc == DB_OK || rc == DB_NOT_FOUND ? NULL : "busy";
}

/* ---- sending ------------------------------------------------------------------------------- */

static size_t wp_discard(char *ptr, size_t size, size_t nmemb, void *user)
{
    return size * nmemb; /* a push service's answer body says nothing we act on */
}

/* Encrypts the payload for j and POSTs it. *status gets the HTTP status (0: no answer) and
 * *retry_after_s the service's Retry-After (0 when none). -1 when the request could not even
 * be built (bad stored keys). */
static int wp_post(struct webpush *wp, const struct push_job *j, const char *origin, long *status,
                   long *retry_after_s)
{
    uint8_t pub[WPC_PUB_LEN + 1], auth[WPC_AUTH_LEN + 1],
        body[WP_PAYLOAD_MAX + WPC_HEADER_LEN + 32];
    size_t body_len = 0;
    char jwt[WPC_JWT_MAX], line[WP_HEADER_MAX];
    *status = 0;
    *retry_after_s = 0;
    if (wpc_b64url_decode(j->p256dh, pub, sizeof pub) != WPC_PUB_LEN ||
        wpc_b64url_decode(j->auth, auth, sizeof auth) != WPC_AUTH_LEN ||
        wpc_encrypt((const uint8_t *)wp->payload, strlen(wp->payload), pub, auth, NULL, NULL, body,
                    sizeof body, &body_len) != 0 ||
        wpc_vapid_jwt(wp->priv, origin, wp->set->subject, clock_now_ms() / 1000 + WP_JWT_LIFE_S,
                      jwt, sizeof jwt) != 0)
        return -1;
    struct curl_slist *h = NULL, *t;
    snprintf(line, sizeof line, "TTL: %d", wp->set->ttl_s);
    h = curl_slist_append(h, line);
    h = (t = curl_slist_append(h, "Urgency: high")) ? t : h;
    h = (t = curl_slist_append(h, "Content-Encoding: aes128gcm")) ? t : h;
    h = (t = curl_slist_append(h, "Content-Type: application/octet-stream")) ? t : h;
    snprintf(line, sizeof line, "Authorization: vapid t=%s, k=%s", jwt, wp->pub_b64);
    h = (t = curl_slist_append(h, line)) ? t : h;
    CURL *e = wp->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, j->endpoint);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)body_len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, wp_discard);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, WP_TIMEOUT_S);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(e);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
        curl_off_t ra = 0;
        if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
            *retry_after_s = (long)ra;
    } else {
        log_warn("webpush", "push service %s: %s", origin, curl_easy_strerror(cc));
    }
    curl_slist_free_all(h);
    return 0;
}

/* Settles j after the push service's answer, in one transaction. */
static void wp_settle(struct webpush *wp, const struct push_job *j, int built, long status,
                      long retry_after_s, const char *origin)
{
    int64_t now = clock_now_ms();
    int rc = db_begin(wp->db);
    if (rc != DB_OK)
        return; /* the job stays due and is tried again */
    if (built && status >= 200 && status < 300) {
        rc = push_job_done(wp->db, j, now);
    } else if (built && (status == 404 || status == 410)) {
        log_info("webpush", "subscription %lld at %s is gone (%ld): removed",
                 (long long)j->subscription_id, origin, status);
        rc = push_job_drop(wp->db, j, 1, now);
    } else if (built && (status == 0 || status == 429 || status >= 500) &&
               j->attempts + 1 < WP_MAX_ATTEMPTS) {
        int64_t wait = (int64_t)WP_RETRY_BASE_MS << j->attempts;
        if (retry_after_s > 0)
            wait = (int64_t)retry_after_s * 1000;
        if (wait > WP_RETRY_CAP_MS)
            wait = WP_RETRY_CAP_MS;
        log_info("webpush", "push to %s answered %ld: again in %lld s", origin, status,
                 (long long)(wait / 1000));
        rc = push_job_retry(wp->db, j, now + wait, now);
    } else {
        log_error("webpush", "push to %s %s (%ld): notification dropped", origin,
                  built ? "refused" : "could not be built", status);
        rc = push_job_drop(wp->db, j, 0, now);
    }
    if (rc == DB_OK)
        rc = db_commit(wp->db);
    if (rc != DB_OK) {
        log_error("webpush", "cannot settle push job %lld", (long long)j->id);
        db_rollback(wp->db);
    }
}

static void wp_send_one(struct webpush *wp, const struct push_job *j)
{
    char origin[WP_ORIGIN_MAX] = "?";
    long status = 0, retry_after = 0;
    int built = wp_origin(j->endpoint, origin, sizeof origin) == 0 &&
                wp_post(wp, j, origin, &status, &retry_after) == 0;
    if (built && status >= 200 && status < 300)
        log_info("webpush", "notification %lld delivered to %s", (long long)j->id, origin);
    wp_settle(wp, j, built, status, retry_after, origin);
}

/* Sends what is due; returns how long to wait before looking again (ms). */
static int64_t wp_round(struct webpush *wp)
{
    int n = 0;
    if (push_jobs_due(wp->db, clock_now_ms(), wp->jobs, WP_BATCH, &n) != DB_OK)
        return 1000;
    for (int i = 0; i < n; i++)
        wp_send_one(wp, &wp->jobs[i]);
    if (n == WP_BATCH)
        return 0;
    int64_t due = 0;
    if (push_jobs_next_due(wp->db, &due) != DB_OK || due == 0)
        return WP_IDLE_MS;
    int64_t wait = due - clock_now_ms();
    return wait < 0 ? 0 : wait > WP_IDLE_MS ? WP_IDLE_MS : wait;
}

static void *wp_main(void *arg)
{
    struct webpush *wp = arg;
    pthread_mutex_lock(&wp->lock);
    while (!wp->stop) {
        wp->woken = 0;
        pthread_mutex_unlock(&wp->lock);
        int64_t wait = wp_round(wp);
        struct timespec until = clock_mono_deadline(wait);
        pthread_mutex_lock(&wp->lock);
        while (!wp->stop && !wp->woken && wait > 0)
            if (pthread_cond_timedwait(&wp->cond, &wp->lock, &until) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&wp->lock);
    return NULL;
}

/* ---- start and stop ------------------------------------------------------------------------ */

/* The key pair from the database, or a new one stored there (the first start). */
static int wp_load_keys(struct webpush *wp)
{
    char priv[PUSH_KEY_MAX], pub[PUSH_KEY_MAX];
    int rc = push_vapid_get(wp->app->db, priv, pub);
    if (rc == DB_NOT_FOUND) {
        uint8_t p[WPC_PRIV_LEN], q[WPC_PUB_LEN];
        if (wpc_keypair_new(p, q) != 0 || wpc_b64url_encode(p, sizeof p, priv, sizeof priv) ||
            wpc_b64url_encode(q, sizeof q, pub, sizeof pub))
            return -1;
        memset(p, 0, sizeof p);
        if (push_vapid_put(wp->app->db, priv, pub, clock_now_ms()) != DB_OK)
            return -1;
        log_info("webpush", "made the VAPID key pair (kept in the database)");
        rc = push_vapid_get(wp->app->db, priv, pub);
    }
    uint8_t check[WPC_PUB_LEN];
    if (rc != DB_OK || wpc_b64url_decode(priv, wp->priv, sizeof wp->priv) != WPC_PRIV_LEN ||
        wpc_public_of(wp->priv, check) != 0)
        return -1;
    memset(priv, 0, sizeof priv);
    return wpc_b64url_encode(check, sizeof check, wp->pub_b64, sizeof wp->pub_b64);
}

static int wp_make_payload(struct webpush *wp)
{
    const char *title = texts_get(wp->app->texts, "push_title");
    const char *body = texts_get(wp->app->texts, "push_body");
    json_t *o = json_pack("{s:s, s:s}", "title", title ? title : "", "body", body ? body : "");
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    int rc = s && strlen(s) < sizeof wp->payload ? 0 : -1;
    if (rc == 0)
        memcpy(wp->payload, s, strlen(s) + 1);
    free(s);
    return rc;
}

int webpush_start(struct app *app, struct webpush **out)
{
    *out = NULL;
    const struct webpush_settings *set = cfg_settings(app->cfg, &webpush_settings);
    if (!set || !set->enabled)
        return 0;
    struct webpush *wp = calloc(1, sizeof *wp);
    if (!wp)
        return -1;
    wp->app = app;
    wp->set = set;
    pthread_mutex_init(&wp->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wp->cond, &attr);
    pthread_condattr_destroy(&attr);
    if (wp_load_keys(wp) != 0 || wp_make_payload(wp) != 0 || app_open_db(app, &wp->db) != 0 ||
        !(wp->easy = curl_easy_init()) || pthread_create(&wp->thread, NULL, wp_main, wp) != 0) {
        log_error("webpush", "cannot start the push sender");
        webpush_stop(wp);
        return -1;
    }
    wp->started = 1;
    pthread_setname_np(wp->thread, "webpush");
    *out = wp;
    return 0;
}

void webpush_stop(struct webpush *wp)
{
    if (!wp)
        return;
    if (wp->started) {
        pthread_mutex_lock(&wp->lock);
        wp->stop = 1;
        pthread_cond_broadcast(&wp->cond);
        pthread_mutex_unlock(&wp->lock);
        pthread_join(wp->thread, NULL);
    }
    if (wp->easy)
        curl_easy_cleanup(wp->easy);
    db_close(wp->db);
    pthread_cond_destroy(&wp->cond);
    pthread_mutex_destroy(&wp->lock);
    memset(wp->priv, 0, sizeof wp->priv);
    free(wp);
}

void webpush_wake(struct webpush *wp)
{
    if (!wp)
        return;
    pthread_mutex_lock(&wp->lock);
    wp->woken = 1;
    pthread_cond_broadcast(&wp->cond);
    pthread_mutex_unlock(&wp->lock);
}

const char *webpush_public_key(const struct webpush *wp)
{
    return wp ? wp->pub_b64 : NULL;
}
