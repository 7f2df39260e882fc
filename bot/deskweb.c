/*
 * deskweb.c — see deskweb.h. Everything runs on the HTTP thread over app->db, the connection
 * that thread owns — but the heavy routes, whose whole pipeline (session included) runs as a
 * job of bot/slowreq.h over that thread's connection: so the pipeline reads the request from
 * a copy (struct deskweb_req: path, query, body, cookie, CSRF header, address), never from
 * the wsi. A route that writes takes the write lock the way the receivers do
 * (app_write_begin), so the worker yields to it between updates. The bad-link counts live in
 * memory: they slow down guessing, which a restart does not help much (a secret is 256 bits).
 * A cookie, a link token or a CSRF token is never logged.
 */
#include "bot/deskweb.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/secure.h"
#include "bot/app_core.h"
#include "bot/desk_session.h"
#include "bot/http_body.h"
#include "bot/slowreq.h"
#include "handlers/deskapi.h"
#include "storage/db_writes.h"
#include "storage/desk_auth.h"
#include "storage/tips.h"

#include <ctype.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DW "deskweb"

enum {
    DESKWEB_PATH_MAX = 512,
    DESKWEB_HEADERS_MAX = 2048, /* response headers we add */
    DESKWEB_COOKIE_MAX = 256,
    DESKWEB_FULL_RETRY_S = 30, /* Retry-After of a write the full disk refused */
};

/* Bad sign-in links from one address in the window that began at since. */
struct deskweb_bad {
    char address[DESK_ADDRESS_MAX];
    int64_t since;
    int count;
    int logged; /* this episode was logged */
};

struct deskweb {
    struct app *app;
    struct slowreq *slow; /* the heavy routes' thread (NULL: they run here) */
    struct deskweb_bad bad[DESKWEB_BAD_SLOTS];
    char login_page[DESKAPI_FILE_MAX];
};

struct deskweb_req {
    char method[8];
    char path[DESKWEB_PATH_MAX];
    char query[DESKAPI_QUERY_MAX];
    char *body;
    size_t len;
    int too_big;
    /* what the pipeline needs of the headers, copied so that it can run on another thread */
    char secret[DESK_SECRET_HEX + 2]; /* the session cookie's value, or "" */
    char csrf[DESK_CSRF_HEX + 8];     /* X-CSRF-Token, or "" */
    char address[DESK_ADDRESS_MAX];
    struct lws_context *lctx; /* the loop, woken after a write for the live sockets */
};

/* An answer before it is written: status, JSON, a file or a download, extra headers. */
struct deskweb_out {
    int status;
    json_t *body;
    const char *file, *content_type;
    char *data; /* a download (owned), sent with content_type and disposition */
    size_t data_len;
    char disposition[DESKAPI_DOWNLOAD_NAME_MAX + 32]; /* Content-Disposition value */
    char cookie[DESKWEB_COOKIE_MAX];                  /* Set-Cookie value, or "" */
    int retry_after;                                  /* seconds, or 0 */
};

struct deskweb *deskweb_new(struct app *app, struct slowreq *slow)
{
    struct deskweb *dw = calloc(1, sizeof *dw);
    if (!dw)
        return NULL;
    dw->app = app;
    dw->slow = slow;
    snprintf(dw->login_page, sizeof dw->login_page, "%s/web/desk/login.html", app->cfg->data_dir);
    return dw;
}

void deskweb_free(struct deskweb *dw)
{
    free(dw);
}

void deskweb_req_free(struct deskweb_req *req)
{
    if (!req)
        return;
    free(req->body);
    free(req);
}

/* ---- writing the answer ------------------------------------------------------------------ */

static int deskweb_add_header(struct lws *wsi, const char *name, const char *value,
                              unsigned char **p, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

/* Headers every answer of the API carries, and the optional cookie and Retry-After. */
static int deskweb_headers(struct lws *wsi, const struct deskweb_out *o, const char *cache,
                           unsigned char **p, unsigned char *end)
{
    char retry[24];
    if (deskweb_add_header(wsi, "cache-control:", cache, p, end))
        return -1;
    if (o->cookie[0] && deskweb_add_header(wsi, "set-cookie:", o->cookie, p, end))
        return -1;
    if (o->retry_after > 0) {
        snprintf(retry, sizeof retry, "%d", o->retry_after);
        if (deskweb_add_header(wsi, "retry-after:", retry, p, end))
            return -1;
    }
    return 0;
}

static int deskweb_send_file(struct lws *wsi, const struct deskweb_out *o)
{
    unsigned char hdr[DESKWEB_HEADERS_MAX], *p = hdr, *end = hdr + sizeof hdr;
    if (deskweb_headers(wsi, o, "private, no-store", &p, end) != 0)
        return -1;
    int n = lws_serve_http_file(wsi, o->file, o->content_type, (const char *)hdr, (int)(p - hdr));
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

/* Writes status, headers and body (len bytes) as one answer. */
static int deskweb_write(struct lws *wsi, const struct deskweb_out *o, unsigned status,
                         const char *type, const char *cache, const char *body, size_t len)
{
    unsigned char hdr[LWS_PRE + DESKWEB_HEADERS_MAX];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    char *copy = NULL;
    int rc = -1;
    if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
        deskweb_headers(wsi, o, cache, &p, end) != 0 ||
        (o->disposition[0] &&
         deskweb_add_header(wsi, "content-disposition:", o->disposition, &p, end)) ||
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
    return rc;
}

static int deskweb_send(struct lws *wsi, const struct deskweb_out *o)
{
    if (o->file)
        return deskweb_send_file(wsi, o);
    /* a download is the person's data: kept by no cache, not even the browser's */
    if (o->data)
        return deskweb_write(wsi, o, (unsigned)o->status, o->content_type, "private, no-store",
                             o->data, o->data_len);
    char *text = o->body ? json_dumps(o->body, JSON_COMPACT) : NULL;
    const char *body = text ? text : "{\"error\":{\"code\":\"generic\",\"message\":\"\"}}";
    unsigned status = text ? (unsigned)o->status : HTTP_STATUS_INTERNAL_SERVER_ERROR;
    int rc = deskweb_write(wsi, o, status, "application/json; charset=utf-8", "no-store", body,
                           strlen(body));
    free(text);
    return rc;
}

/* ---- the request ------------------------------------------------------------------------- */

/* A handler context over db (person may be NULL before a session is known). */
static void deskweb_ctx(struct deskweb *dw, struct db *db, const struct person *p, struct hctx *ctx)
{
    struct app *app = dw->app;
    *ctx = (struct hctx){
        .db = db,
        .cfg = app->cfg,
        .texts = app->texts,
        .te = app->te,
        .desks = app->desks,
        .person = p,
        .now_ms = clock_now_ms(),
    };
}

static void deskweb_fail(struct hctx *ctx, struct deskweb_out *o, int status, const char *code)
{
    struct deskapi_resp resp = {0};
    deskapi_error(ctx, &resp, status, code);
    json_decref(o->body);
    o->status = resp.status;
    o->body = resp.body;
}

/* The address a request came from: the peer, or — when the peer is this machine, a reverse
 * proxy — the last address of X-Forwarded-For (the one the proxy added). */
static void deskweb_address(struct lws *wsi, char out[DESK_ADDRESS_MAX])
{
    char fwd[512];
    out[0] = '\0';
    lws_get_peer_simple(wsi, out, DESK_ADDRESS_MAX);
    int local = strcmp(out, "127.0.0.1") == 0 || strcmp(out, "::1") == 0 ||
                strcmp(out, "::ffff:127.0.0.1") == 0;
    if (!local || lws_hdr_copy(wsi, fwd, sizeof fwd, WSI_TOKEN_X_FORWARDED_FOR) <= 0)
        return;
    const char *last = strrchr(fwd, ',');
    last = last ? last + 1 : fwd;
    while (*last == ' ')
        last++;
    size_t n = strcspn(last, " ");
    if (n > 0 && n < DESK_ADDRESS_MAX) {
        memcpy(out, last, n);
        out[n] = '\0';
    }
}

/* The slot of address (a new or the oldest one when absent and add); NULL when absent. */
static struct deskweb_bad *deskweb_bad_slot(struct deskweb *dw, const char *address, int64_t now,
                                            int add)
{
    struct deskweb_bad *oldest = &dw->bad[0];
    for (int i = 0; i < DESKWEB_BAD_SLOTS; i++) {
        struct deskweb_bad *b = &dw->bad[i];
        if (b->address[0] && now - b->since >= DESKWEB_BAD_WINDOW_MS)
            memset(b, 0, sizeof *b); /* the episode is over */
        if (b->address[0] && strcmp(b->address, address) == 0)
            return b;
        if (!b->address[0] || (oldest->address[0] && b->since < oldest->since))
            oldest = b;
    }
    if (!add)
        return NULL;
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->address, sizeof oldest->address, "%s", address);
    oldest->since = now;
    return oldest;
}

/* Seconds the address must wait before another sign-in, or 0. */
static int deskweb_bad_wait(struct deskweb *dw, const char *address, int64_t now)
{
    struct deskweb_bad *b = deskweb_bad_slot(dw, address, now, 0);
    if (!b || b->count < DESKWEB_BAD_MAX)
        return 0;
    if (!b->logged) {
        log_warn(DW, "too many bad sign-in links from %s: sign-in refused for %lld s", address,
                 (long long)((b->since + DESKWEB_BAD_WINDOW_MS - now) / 1000));
        b->logged = 1;
    }
    return (int)((b->since + DESKWEB_BAD_WINDOW_MS - now + 999) / 1000);
}

static void deskweb_cookie(struct deskweb *dw, const char *secret, int64_t max_age_s,
                           struct deskweb_out *o)
{
    int secure = strncmp(dw->app->cfg->http_public_url, "https://", 8) == 0;
    snprintf(o->cookie, sizeof o->cookie,
             DESK_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", secret,
             (long long)max_age_s, secure ? "; Secure" : "");
}

/* POST /login {"token"}: spends the link, opens the session, sets the cookie. */
static int deskweb_login(struct deskweb *dw, const struct deskweb_req *req, const json_t *body,
                         struct deskweb_out *o)
{
    struct hctx ctx;
    deskweb_ctx(dw, dw->app->db, NULL, &ctx);
    const char *address = req->address;
    int wait = deskweb_bad_wait(dw, address, ctx.now_ms);
    if (wait > 0) {
        o->retry_after = wait;
        deskweb_fail(&ctx, o, 429, "too_many");
        return 0;
    }
    const char *token = json_string_value(json_object_get(body, "token"));
    struct desk_session s;
    char secret[DESK_SECRET_HEX + 1];
    if (app_write_begin(dw->app, ctx.db) != DB_OK)
        return -1;
    int rc = desk_link_redeem(ctx.db, token ? token : "", address, ctx.now_ms, &s, secret);
    if (rc == DB_OK)
        rc = tips_audit(ctx.db, s.person_id, "sign_in", 0, address, ctx.now_ms);
    if (rc != DB_OK) {
        db_rollback(ctx.db);
        if (rc != DB_NOT_FOUND)
            return -1;
        struct deskweb_bad *b = deskweb_bad_slot(dw, address, ctx.now_ms, 1);
        b->count++;
        deskweb_fail(&ctx, o, 403, "bad_link");
        return 0;
    }
    if (db_commit(ctx.db) != DB_OK)
        return -1;
    log_info(DW, "person %lld signed in to the web desk from %s", (long long)s.person_id, address);
    deskweb_cookie(dw, secret, DESK_SESSION_MAX_MS / 1000, o);
    o->status = 200;
    o->body = json_pack("{s:b}", "ok", 1);
    return 0;
}

/* POST /logout: ends the session and clears the cookie. */
static int deskweb_logout(struct deskweb *dw, const struct deskweb_req *req, struct hctx *ctx,
                          const struct desk_session *s, struct deskweb_out *o)
{
    const char *address = req->address;
    if (app_write_begin(dw->app, ctx->db) != DB_OK)
        return -1;
    int rc = desk_session_end(ctx->db, s->id, ctx->now_ms);
    if (rc == DB_OK)
        rc = tips_audit(ctx->db, s->person_id, "sign_out", 0, address, ctx->now_ms);
    if (rc != DB_OK || db_commit(ctx->db) != DB_OK) {
        db_rollback(ctx->db);
        return -1;
    }
    deskweb_cookie(dw, "", 0, o);
    o->status = 200;
    o->body = json_pack("{s:b}", "ok", 1);
    return 0;
}

/* Runs a route over ctx, in a write transaction when it writes. */
static int deskweb_route(struct deskweb *dw, const struct deskweb_req *req,
                         const struct deskapi_route *r, struct hctx *ctx, struct deskapi_req *dreq,
                         struct deskweb_out *o)
{
    struct deskapi_resp resp = {0};
    if (r->writes && app_write_begin(dw->app, ctx->db) != DB_OK)
        return -1;
    int rc = r->fn(ctx, dreq, &resp);
    if (r->writes) {
        int ok = rc == 0 && resp.status < 400;
        if (ok && db_commit(ctx->db) != DB_OK)
            rc = -1;
        else if (!ok)
            db_rollback(ctx->db);
        if (ok && rc == 0 && ctx->touched)
            app_wake_platforms(dw->app, ctx->touched);
        /* The open desks' live sockets read what was just written at the loop's next turn,
         * not at the next 500 ms tick: an action on the web shows on the other desks at once. */
        if (ok && rc == 0)
            lws_cancel_service(req->lctx);
    }
    if (rc != 0) {
        deskapi_resp_clear(&resp);
        return -1;
    }
    o->status = resp.status;
    o->body = resp.body;
    if (resp.data) {
        json_decref(o->body);
        o->body = NULL;
        /* owned by o from here: deskweb_answer frees them once the answer is written */
        o->data = resp.data;
        o->data_len = resp.data_len;
        o->content_type =
            strdup(resp.content_type[0] ? resp.content_type : "application/octet-stream");
        snprintf(o->disposition, sizeof o->disposition, "attachment; filename=\"%s\"",
                 resp.download[0] ? resp.download : "tipgate");
        if (!o->content_type)
            return -1;
    } else if (resp.file[0]) {
        json_decref(o->body);
        o->body = NULL;
        /* owned by o: deskweb_answer frees them once the answer is written */
        o->file = strdup(resp.file);
        o->content_type =
            strdup(resp.content_type[0] ? resp.content_type : "application/octet-stream");
        if (!o->file || !o->content_type)
            return -1;
    }
    return 0;
}

/* Whether the request's X-CSRF-Token equals the session's (compared in constant time). */
static int deskweb_csrf_ok(const struct deskweb_req *req, const struct desk_session *s)
{
    return req->csrf[0] && s->csrf[0] && secure_equal(req->csrf, s->csrf);
}

/* Parses the body: a JSON object (an empty body counts as {}), else NULL. */
static json_t *deskweb_json(const struct deskweb_req *req)
{
    if (!req->body || req->len == 0)
        return json_object();
    json_t *v = json_loadb(req->body, req->len, 0, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

/* The whole pipeline of one request into o over db (the HTTP thread's or the heavy
 * requests' connection). Returns 0. */
static int deskweb_run(struct deskweb *dw, struct db *db, const struct deskweb_req *req,
                       struct deskweb_out *o)
{
    int post = strcmp(req->method, "POST") == 0, rc = -1;
    json_t *body = NULL;
    struct hctx ctx;
    struct person p = {0};
    struct desk_session s = {0};
    deskweb_ctx(dw, db, NULL, &ctx);
    int login = post && strcmp(req->path, "/login") == 0, got = DB_OK;
    if (!login &&
        (got = desk_session_of_secret(ctx.db, req->secret, ctx.now_ms, &s, &p)) == DB_ERROR)
        goto out;
    ctx.person = login ? NULL : &p;
    rc = 0;
    /* the session and the CSRF token first: a signed-out page is told to sign in again,
     * whatever it sent */
    if (got != DB_OK) {
        deskweb_fail(&ctx, o, 401, "signed_out");
        goto out;
    }
    if (post && !login && !deskweb_csrf_ok(req, &s)) {
        deskweb_fail(&ctx, o, 403, "csrf");
        goto out;
    }
    if (post && req->too_big) {
        deskweb_fail(&ctx, o, 413, "too_big");
        goto out;
    }
    if (post && !(body = deskweb_json(req))) {
        deskweb_fail(&ctx, o, 400, "bad_json");
        goto out;
    }
    if (login) {
        rc = deskweb_login(dw, req, body, o);
        goto out;
    }
    if (post && strcmp(req->path, "/logout") == 0) {
        rc = deskweb_logout(dw, req, &ctx, &s, o);
        goto out;
    }
    struct deskapi_req dreq = {.method = req->method,
                               .path = req->path,
                               .query = req->query,
                               .body = body,
                               .csrf = s.csrf};
    int status = 404;
    const struct deskapi_route *r = deskapi_find(&dreq, &status);
    if (!r) {
        deskweb_fail(&ctx, o, status, status == 405 ? "bad_request" : "not_found");
        goto out;
    }
    if (!deskapi_allowed(r, &p)) {
        deskweb_fail(&ctx, o, 403, "forbidden");
        goto out;
    }
    rc = deskweb_route(dw, req, r, &ctx, &dreq, o);
out:
    if (rc != 0) {
        free((char *)o->file);
        free((char *)o->content_type);
        free(o->data);
        o->file = o->content_type = NULL;
        o->data = NULL;
        o->disposition[0] = '\0';
        /* A write the full disk refused: 503 and a text that says nothing was recorded (the
         * transaction was rolled back), not an unexplained 500. */
        if (db_writes_refusing()) {
            o->retry_after = DESKWEB_FULL_RETRY_S;
            deskweb_fail(&ctx, o, 503, "not_saved");
        } else {
            deskweb_fail(&ctx, o, 500, "generic");
        }
    }
    hctx_clear(&ctx);
    person_clear(&p);
    json_decref(body);
    return 0;
}

static void deskweb_out_clear(struct deskweb_out *o)
{
    json_decref(o->body);
    free((char *)o->file);
    free((char *)o->content_type);
    free(o->data);
}

/* ---- a heavy route's job (bot/slowreq.h) ------------------------------------------------ */

struct deskweb_job {
    struct deskweb *dw;
    struct deskweb_req *req;
    struct deskweb_out o;
};

static void deskweb_job_run(struct db *db, void *arg)
{
    struct deskweb_job *j = arg;
    deskweb_run(j->dw, db, j->req, &j->o);
}

static int deskweb_job_answer(struct lws *wsi, void *arg)
{
    struct deskweb_job *j = arg;
    return deskweb_send(wsi, &j->o);
}

static void deskweb_job_free(void *arg)
{
    struct deskweb_job *j = arg;
    deskweb_out_clear(&j->o);
    deskweb_req_free(j->req);
    free(j);
}

static const struct slowreq_ops deskweb_job_ops = {
    .run = deskweb_job_run, .answer = deskweb_job_answer, .free = deskweb_job_free};

/* Whether the request is for a heavy route (decided by the route table alone). */
static int deskweb_heavy(const struct deskweb_req *req)
{
    struct deskapi_req dreq = {.method = req->method, .path = req->path, .query = req->query};
    int status = 404;
    const struct deskapi_route *r = deskapi_find(&dreq, &status);
    return r && r->heavy;
}

/* Queues a heavy request: 0 with *job, 1 when too many wait (req stays the caller's). */
static int deskweb_queue(struct deskweb *dw, struct lws *wsi, struct deskweb_req *req,
                         struct slowreq_job **job)
{
    struct deskweb_job *j = calloc(1, sizeof *j);
    if (!j)
        return 1;
    *j = (struct deskweb_job){.dw = dw, .req = req, .o = {.status = 500}};
    if (!(*job = slowreq_submit(dw->slow, wsi, &deskweb_job_ops, j))) {
        free(j);
        return 1;
    }
    return 0;
}

/* Runs the request and writes its answer, or queues it when its route is heavy (*job, which
 * owns req from then). Frees req otherwise. */
static int deskweb_answer(struct deskweb *dw, struct lws *wsi, struct deskweb_req *req,
                          struct slowreq_job **job)
{
    struct deskweb_out o = {.status = 500};
    *job = NULL;
    if (dw->slow && deskweb_heavy(req)) {
        if (deskweb_queue(dw, wsi, req, job) == 0)
            return 0; /* answered when the job is done (bot/http.c) */
        struct hctx ctx;
        deskweb_ctx(dw, dw->app->db, NULL, &ctx);
        o.retry_after = SLOWREQ_RETRY_S;
        deskweb_fail(&ctx, &o, 503, "busy");
        hctx_clear(&ctx);
    } else {
        deskweb_run(dw, dw->app->db, req, &o);
    }
    int rc = deskweb_send(wsi, &o);
    deskweb_out_clear(&o);
    deskweb_req_free(req);
    return rc;
}

/* ---- from the HTTP callback ------------------------------------------------------------- */

/* Appends s to out percent-encoded but for unreserved bytes (lws hands the arguments over
 * decoded; deskapi_query decodes them once more). */
static size_t deskweb_enc(char *out, size_t at, size_t size, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s && at + 4 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || strchr("-._~", c)) {
            out[at++] = (char)c;
        } else {
            out[at++] = '%';
            out[at++] = hex[c >> 4];
            out[at++] = hex[c & 15];
        }
    }
    out[at] = '\0';
    return at;
}

/* The query string as "k=v&k2=v2" again, each value percent-encoded (deskweb.h). */
void deskweb_query(struct lws *wsi, char *out, size_t size)
{
    char frag[DESKAPI_QUERY_MAX];
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0;
         i++) {
        char *eq = strchr(frag, '=');
        if (!eq || eq == frag)
            continue;
        *eq = '\0';
        if (at + strlen(frag) + 2 >= size)
            break;
        at += (size_t)snprintf(out + at, size - at, "%s%s=", at ? "&" : "", frag);
        at = deskweb_enc(out, at, size, eq + 1);
    }
}

/* The headers the pipeline reads, copied into req. */
static void deskweb_headers_of(struct lws *wsi, struct deskweb_req *req)
{
    if (!desk_cookie_get(wsi, DESK_COOKIE, req->secret, sizeof req->secret))
        req->secret[0] = '\0';
    if (lws_hdr_custom_copy(wsi, req->csrf, sizeof req->csrf, "x-csrf-token:", 13) <= 0)
        req->csrf[0] = '\0';
    deskweb_address(wsi, req->address);
    req->lctx = lws_get_context(wsi);
}

int deskweb_begin(struct deskweb *dw, struct lws *wsi, struct deskweb_req **out,
                  struct slowreq_job **job)
{
    *out = NULL;
    *job = NULL;
    struct deskweb_req *req = calloc(1, sizeof *req);
    if (!req)
        return -1;
    int post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
    char uri[DESKWEB_PATH_MAX + sizeof DESKWEB_PREFIX] = "";
    lws_hdr_copy(wsi, uri, sizeof uri, post ? WSI_TOKEN_POST_URI : WSI_TOKEN_GET_URI);
    snprintf(req->method, sizeof req->method, "%s", post ? "POST" : "GET");
    size_t plen = strlen(DESKWEB_PREFIX);
    snprintf(req->path, sizeof req->path, "%s",
             strncmp(uri, DESKWEB_PREFIX, plen) == 0 ? uri + plen : "/");
    if (!post)
        deskweb_query(wsi, req->query, sizeof req->query);
    deskweb_headers_of(wsi, req);
    char clen[24] = "";
    lws_hdr_copy(wsi, clen, sizeof clen, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    long long announced = clen[0] ? atoll(clen) : 0;
    req->too_big = announced > DESKWEB_BODY_MAX;
    if (!post || announced <= 0 || req->too_big)
        return deskweb_answer(dw, wsi, req, job);
    *out = req;
    return 0; /* the body follows */
}

void deskweb_body(struct deskweb_req *req, const void *in, size_t len)
{
    if (!req->too_big && http_body_add(&req->body, &req->len, DESKWEB_BODY_MAX, in, len) != 0)
        req->too_big = 1;
}

int deskweb_end(struct deskweb *dw, struct lws *wsi, struct deskweb_req *req,
                struct slowreq_job **job)
{
    return deskweb_answer(dw, wsi, req, job);
}

int deskweb_login_page(struct deskweb *dw, struct lws *wsi)
{
    struct deskweb_out o = {.file = dw->login_page, .content_type = "text/html; charset=utf-8"};
    return deskweb_send_file(wsi, &o);
}
