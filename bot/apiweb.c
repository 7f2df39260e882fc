/*
 * apiweb.c — see apiweb.h. Everything runs on the HTTP thread over app->db (reads only) but
 * the heavy routes, whose pipeline (token included) runs as a job of bot/slowreq.h over that
 * thread's connection, from a copy of the request (struct apiweb_job); the rate limit is the
 * senders' sliding window (bot/ratelimit.h) keyed by the token's id, so a token never gets
 * more than its requests in any minute, in memory (a restart forgets it), under a lock since
 * both threads count.
 */
#include "bot/apiweb.h"

#include "base/clock.h"
#include "base/log.h"
#include "bot/app_core.h"
#include "bot/deskweb.h"
#include "bot/ratelimit.h"
#include "bot/slowreq.h"
#include "handlers/apiv1.h"
#include "storage/api_tokens.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AW "api"

enum {
    APIWEB_PATH_MAX = 512,
    APIWEB_HEADERS_MAX = 2048,
    APIWEB_AUTH_MAX = 256, /* bytes of an Authorization header we read */
};

struct apiweb_settings {
    bool enabled;
    int per_minute;
};

static const struct cfg_spec apiweb_spec[] = {
    {"enabled", CFG_BOOL, offsetof(struct apiweb_settings, enabled), NULL, 1, 0, 0, NULL, NULL},
    {"rate_limit_per_minute", CFG_INT, offsetof(struct apiweb_settings, per_minute), NULL, 120, 1,
     100000, NULL, NULL},
};

const struct cfg_block apiweb_settings = {
    .prefix = "api",
    .spec = apiweb_spec,
    .n_spec = sizeof apiweb_spec / sizeof apiweb_spec[0],
    .size = sizeof(struct apiweb_settings),
    .strict = true,
};

struct apiweb {
    struct app *app;
    const struct apiweb_settings *set;
    struct ratelimit *rl;
    pthread_mutex_t rl_lock; /* rl is counted on the HTTP thread and the heavy requests' */
    struct slowreq *slow;    /* the heavy routes' thread (NULL: they run here) */
    char openapi[DESKAPI_FILE_MAX];
};

/* An answer before it is written. */
struct apiweb_out {
    int status;
    json_t *body;
    int retry_after;    /* seconds, or 0 */
    const char *bearer; /* WWW-Authenticate value, or NULL */
};

struct apiweb *apiweb_new(struct app *app, struct slowreq *slow)
{
    static const struct apiweb_settings defaults = {.enabled = true, .per_minute = 120};
    struct apiweb *aw = calloc(1, sizeof *aw);
    if (!aw)
        return NULL;
    aw->app = app;
    aw->slow = slow;
    pthread_mutex_init(&aw->rl_lock, NULL);
    aw->set = cfg_settings(app->cfg, &apiweb_settings);
    if (!aw->set)
        aw->set = &defaults;
    struct ratelimit_rule none = ratelimit_rule(0, 0, 0);
    aw->rl =
        ratelimit_new(none, ratelimit_rule(aw->set->per_minute, 60000, aw->set->per_minute), none);
    if (!aw->rl) {
        pthread_mutex_destroy(&aw->rl_lock);
        free(aw);
        return NULL;
    }
    snprintf(aw->openapi, sizeof aw->openapi, "%s/web/api/openapi.json", app->cfg->data_dir);
    return aw;
}

void apiweb_free(struct apiweb *aw)
{
    if (!aw)
        return;
    ratelimit_free(aw->rl);
    pthread_mutex_destroy(&aw->rl_lock);
    free(aw);
}

/* ---- writing the answer ------------------------------------------------------------------ */

static int apiweb_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                         unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

static int apiweb_send(struct lws *wsi, const struct apiweb_out *o)
{
    char *text = o->body ? json_dumps(o->body, JSON_COMPACT) : NULL;
    const char *body = text ? text : "{\"error\":{\"code\":\"internal\",\"message\":\"\"}}";
    unsigned status = text ? (unsigned)o->status : HTTP_STATUS_INTERNAL_SERVER_ERROR;
    size_t len = strlen(body);
    unsigned char hdr[LWS_PRE + APIWEB_HEADERS_MAX];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    char retry[24], *copy = NULL;
    int rc = -1;
    snprintf(retry, sizeof retry, "%d", o->retry_after);
    if (lws_add_http_common_headers(wsi, status, "application/json; charset=utf-8",
                                    (lws_filepos_t)len, &p, end) ||
        apiweb_header(wsi, "cache-control:", "no-store", &p, end) ||
        (o->retry_after > 0 && apiweb_header(wsi, "retry-after:", retry, &p, end)) ||
        (o->bearer && apiweb_header(wsi, "www-authenticate:", o->bearer, &p, end)) ||
        (status == 405 && apiweb_header(wsi, "allow:", "GET", &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        goto out;
    if (!(copy = malloc(LWS_PRE + len)))
        goto out;
    memcpy(copy + LWS_PRE, body, len);
    if (lws_write(wsi, (unsigned char *)copy + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) < (int)len)
        goto out;
    rc = lws_http_transaction_completed(wsi);
out:
    free(copy);
    free(text);
    return rc;
}

static int apiweb_send_openapi(struct apiweb *aw, struct lws *wsi)
{
    unsigned char hdr[APIWEB_HEADERS_MAX], *p = hdr, *end = hdr + sizeof hdr;
    if (apiweb_header(wsi, "cache-control:", "no-cache", &p, end) != 0)
        return -1;
    int n = lws_serve_http_file(wsi, aw->openapi, "application/json; charset=utf-8",
                                (const char *)hdr, (int)(p - hdr));
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

/* ---- the request ------------------------------------------------------------------------- */

static void apiweb_fail(struct hctx *ctx, struct apiweb_out *o, int status, const char *code)
{
    struct deskapi_resp resp = {0};
    apiv1_error(ctx, &resp, status, code);
    json_decref(o->body);
    o->status = resp.status;
    o->body = resp.body;
}

/* The token of "Authorization: Bearer <token>" into out, or "" when there is none. */
static void apiweb_bearer(struct lws *wsi, char out[APIWEB_AUTH_MAX])
{
    char h[APIWEB_AUTH_MAX] = "";
    out[0] = '\0';
    if (lws_hdr_copy(wsi, h, sizeof h, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0 ||
        strncasecmp(h, "Bearer ", 7) != 0)
        return;
    const char *t = h + 7;
    while (*t == ' ')
        t++;
    snprintf(out, APIWEB_AUTH_MAX, "%.*s", (int)strcspn(t, " "), t);
}

/* The token's place in its window: 0 when the request may go, else the seconds to wait. */
static int apiweb_wait(struct apiweb *aw, const struct api_token *t)
{
    char key[24];
    bool global = false;
    int64_t now = clock_mono_ms();
    snprintf(key, sizeof key, "%lld", (long long)t->id);
    pthread_mutex_lock(&aw->rl_lock);
    int64_t at = ratelimit_check(aw->rl, key, false, now, &global);
    if (at <= 0) {
        ratelimit_take(aw->rl, key, false, now);
        ratelimit_done(aw->rl, key, now, now);
    }
    pthread_mutex_unlock(&aw->rl_lock);
    if (at > 0) {
        int64_t s = (at - now + 999) / 1000; /* whole seconds, within the minute's window */
        return s < 1 ? 1 : s > 60 ? 60 : (int)s;
    }
    return 0;
}

/* What the pipeline reads of a request, copied so that it can run on another thread. */
struct apiweb_job {
    struct apiweb *aw;
    char path[APIWEB_PATH_MAX + sizeof APIWEB_PREFIX];
    char token[APIWEB_AUTH_MAX]; /* the bearer token, or "" (wiped when freed) */
    char query[DESKAPI_QUERY_MAX];
    int64_t now_ms;
    struct apiweb_out o;
};

/* The pipeline after the path: token, rate limit, route, scope. Returns 0, -1 on an error. */
static int apiweb_run(struct apiweb *aw, struct hctx *ctx, struct apiweb_job *j,
                      struct apiweb_out *o)
{
    char *token = j->token, *query = j->query;
    const char *path = j->path;
    struct api_token t;
    bool sent = token[0] != '\0';
    int got = sent ? api_tokens_find(ctx->db, token, &t) : DB_NOT_FOUND;
    memset(j->token, 0, sizeof j->token);
    if (got == DB_ERROR)
        return -1;
    if (got != DB_OK) {
        o->bearer = "Bearer realm=\"tipgate\"";
        apiweb_fail(ctx, o, 401, sent ? "invalid_token" : "unauthorized");
        return 0;
    }
    int wait = apiweb_wait(aw, &t);
    if (wait > 0) {
        o->retry_after = wait;
        apiweb_fail(ctx, o, 429, "rate_limited");
        log_debug(AW, "token %s: over its rate limit", t.name);
        return 0;
    }
    struct deskapi_req req = {.method = "GET", .path = path, .query = query};
    const struct apiv1_route *r = apiv1_find(&req);
    if (!r) {
        apiweb_fail(ctx, o, 404, "not_found");
        return 0;
    }
    if (!api_tokens_grants(&t, r->scope)) {
        apiweb_fail(ctx, o, 403, "insufficient_scope");
        return 0;
    }
    struct deskapi_resp resp = {0};
    if (r->fn(ctx, &req, &resp) != 0) {
        json_decref(resp.body);
        return -1;
    }
    json_decref(o->body);
    o->status = resp.status;
    o->body = resp.body;
    log_debug(AW, "token %s: GET %s%s → %d", t.name, APIWEB_PREFIX, path, o->status);
    return 0;
}

static void apiweb_ctx(struct apiweb *aw, struct db *db, int64_t now_ms, struct hctx *ctx)
{
    *ctx = (struct hctx){.db = db,
                         .cfg = aw->app->cfg,
                         .texts = aw->app->texts,
                         .te = aw->app->te,
                         .desks = aw->app->desks,
                         .now_ms = now_ms};
}

/* ---- a heavy route's job (bot/slowreq.h) ------------------------------------------------ */

static void apiweb_job_run(struct db *db, void *arg)
{
    struct apiweb_job *j = arg;
    struct hctx ctx;
    apiweb_ctx(j->aw, db, j->now_ms, &ctx);
    if (apiweb_run(j->aw, &ctx, j, &j->o) != 0)
        apiweb_fail(&ctx, &j->o, 500, "internal");
    hctx_clear(&ctx);
}

static int apiweb_job_answer(struct lws *wsi, void *arg)
{
    struct apiweb_job *j = arg;
    return apiweb_send(wsi, &j->o);
}

static void apiweb_job_free(void *arg)
{
    struct apiweb_job *j = arg;
    json_decref(j->o.body);
    memset(j->token, 0, sizeof j->token);
    free(j);
}

static const struct slowreq_ops apiweb_job_ops = {
    .run = apiweb_job_run, .answer = apiweb_job_answer, .free = apiweb_job_free};

/* Whether path is a heavy route's (decided by the route table alone). */
static bool apiweb_heavy(const char *path)
{
    struct deskapi_req req = {.method = "GET", .path = path, .query = ""};
    const struct apiv1_route *r = apiv1_find(&req);
    return r && r->heavy;
}

int apiweb_answer(struct apiweb *aw, struct lws *wsi, struct slowreq_job **job)
{
    *job = NULL;
    int get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    char uri[APIWEB_PATH_MAX + sizeof APIWEB_PREFIX] = "";
    lws_hdr_copy(wsi, uri, sizeof uri, get ? WSI_TOKEN_GET_URI : WSI_TOKEN_POST_URI);
    size_t plen = strlen(APIWEB_PREFIX);
    const char *path = strncmp(uri, APIWEB_PREFIX, plen) == 0 ? uri + plen : "/";
    struct hctx ctx;
    apiweb_ctx(aw, aw->app->db, clock_now_ms(), &ctx);
    struct apiweb_out o = {.status = 500};
    struct apiweb_job *j = NULL;
    if (!aw->set->enabled)
        apiweb_fail(&ctx, &o, 404, "disabled");
    else if (!get)
        apiweb_fail(&ctx, &o, 405, "method_not_allowed");
    else if (strcmp(path, "/openapi.json") == 0) {
        hctx_clear(&ctx);
        return apiweb_send_openapi(aw, wsi);
    } else if (!(j = calloc(1, sizeof *j)))
        apiweb_fail(&ctx, &o, 500, "internal");
    else {
        *j = (struct apiweb_job){.aw = aw, .now_ms = ctx.now_ms, .o = {.status = 500}};
        snprintf(j->path, sizeof j->path, "%s", path);
        apiweb_bearer(wsi, j->token);
        deskweb_query(wsi, j->query, sizeof j->query);
        if (aw->slow && apiweb_heavy(path)) {
            if ((*job = slowreq_submit(aw->slow, wsi, &apiweb_job_ops, j))) {
                hctx_clear(&ctx);
                return 0; /* answered when the job is done (bot/http.c) */
            }
            o.retry_after = SLOWREQ_RETRY_S;
            apiweb_fail(&ctx, &o, 503, "busy");
        } else if (apiweb_run(aw, &ctx, j, &o) != 0)
            apiweb_fail(&ctx, &o, 500, "internal");
        apiweb_job_free(j);
    }
    int rc = apiweb_send(wsi, &o);
    json_decref(o.body);
    hctx_clear(&ctx);
    return rc;
}
