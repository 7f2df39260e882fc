/*
 * http.c — see http.h. The vhost gets one HTTP protocol (dynamic routes and the static mount)
 * followed by each platform's WebSocket protocol. A 500 ms timer re-arms itself so the loop
 * notices a stop request and sweeps for outbox rows that another process may have written.
 */
#include "bot/http.h"

#include "bot/app_core.h"
#include "base/clock.h"
#include "bot/desk_live.h"
#include "bot/health.h"
#include "bot/http_body.h"
#include "bot/http_limits.h"
#include "base/log.h"
#include "bot/deskweb.h"
#include "bot/apiweb.h"
#include "bot/metrics.h"
#include "bot/slowreq.h"
#include "bot/platforms/webchat_upload.h"
#include "storage/db_writes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_TICK_US            (500 * LWS_US_PER_MS)
#define HTTP_PROTOCOLS_MAX      (PLATFORM_MAX + 3)
#define HTTP_WEBHOOK_HEADER_MAX 300 /* one signature or secret header value */
#define HTTP_WEBHOOK_QUERY_MAX  512 /* a GET subscription check's arguments */
/* libwebsockets' own timeout (a request's steps, a body's pieces) stays longer than a body's
 * deadline, so that a stalled body gets its 408 rather than a silent close. */
#define HTTP_LWS_TIMEOUT_S       30
#define HTTP_LWS_TIMEOUT_SLACK_S 5

struct http {
    struct app *app;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    struct lws_protocols protocols[HTTP_PROTOCOLS_MAX];
    struct lws_http_mount mount_web, mount_health, mount_metrics, mount_hooks;
    struct lws_http_mount mount_upload;
    struct lws_http_mount mount_desk, mount_desk_api, mount_desk_login; /* the web desk */
    struct metrics *metrics;
    struct deskweb *desk; /* /api/desk and /desk/login */
    struct wcup *upload;  /* POST /upload: web chat photos */
    struct apiweb *api;   /* /api/v1: the API for other systems */
    struct slowreq *slow; /* the heavy requests' thread (bot/slowreq.h) */
    struct lws_http_mount mount_api;
    lws_sorted_usec_list_t tick;
    char web_root[4096];
    char desk_root[4096 + 8];
    int port;
};

/* The installable page's manifest and icons (web/manifest.webmanifest, web/icon-*.png). */
static const struct lws_protocol_vhost_options http_mime_png = {NULL, NULL, ".png", "image/png"};
static const struct lws_protocol_vhost_options http_mime_manifest = {
    &http_mime_png, NULL, ".webmanifest", "application/manifest+json"};
static const struct lws_protocol_vhost_options http_mime_svg = {&http_mime_manifest, NULL, ".svg",
                                                                "image/svg+xml"};
static const struct lws_protocol_vhost_options http_mime_css = {&http_mime_svg, NULL, ".css",
                                                                "text/css; charset=utf-8"};
static const struct lws_protocol_vhost_options http_mime_js = {&http_mime_css, NULL, ".js",
                                                               "text/javascript; charset=utf-8"};
static const struct lws_protocol_vhost_options http_mimes = {&http_mime_js, NULL, ".html",
                                                             "text/html; charset=utf-8"};

/* Sent with every response: the page loads nothing from elsewhere and cannot be framed. */
static const struct lws_protocol_vhost_options http_hdr_ref = {NULL, NULL,
                                                               "referrer-policy:", "no-referrer"};
static const struct lws_protocol_vhost_options http_hdr_nosniff = {
    &http_hdr_ref, NULL, "x-content-type-options:", "nosniff"};
static const struct lws_protocol_vhost_options http_headers = {
    &http_hdr_nosniff, NULL, "content-security-policy:",
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"};

/* Writes a complete small response (status, content type, body) and ends the transaction. */
static int http_respond(struct lws *wsi, unsigned status, const char *type, const char *body)
{
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    size_t len = strlen(body);
    if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    char *copy = malloc(LWS_PRE + len);
    if (!copy)
        return 1;
    memcpy(copy + LWS_PRE, body, len);
    int n = lws_write(wsi, (unsigned char *)copy + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    free(copy);
    if (n < (int)len)
        return 1;
    return lws_http_transaction_completed(wsi);
}

static int http_respond_json(struct lws *wsi, unsigned status, const char *body)
{
    return http_respond(wsi, status, "application/json", body);
}

/* The figures the threads keep in memory (bot/health.h): no database access, the same cost
 * at any queue size. 503 with the reasons while anything is wrong. */
static int http_healthz(struct lws *wsi, struct app *app)
{
    struct health_snap snap;
    health_snapshot(app->health, &snap);
    json_t *o = health_json(&snap, clock_now_ms());
    int ok = o && json_array_size(json_object_get(o, "problems")) == 0;
    json_t *platforms = json_array();
    for (int i = 0; platform_registry[i]; i++)
        if (app->pstarted[i])
            json_array_append_new(platforms, json_string(platform_registry[i]->name));
    json_object_set_new(o, "status", json_string(ok ? "ok" : "degraded"));
    json_object_set_new(o, "version", json_string(TIPGATE_VERSION));
    json_object_set_new(o, "platforms", platforms);
    char *body = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(o);
    int rc = http_respond_json(wsi, ok ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE,
                               body ? body : "{\"status\":\"error\"}");
    free(body);
    return rc;
}

/* Prometheus text (bot/metrics.h): served from memory; counts come from their own thread. */
static int http_metrics(struct lws *wsi, struct http *h)
{
    char auth[METRICS_AUTH_HEADER_MAX] = "";
    if (lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0)
        auth[0] = '\0';
    if (h->metrics && !metrics_authorized(h->metrics, auth))
        return http_respond(wsi, HTTP_STATUS_UNAUTHORIZED, "text/plain; charset=utf-8",
                            "a bearer token is required\n");
    char *body = h->metrics ? metrics_render(h->metrics) : NULL;
    int rc =
        body ? http_respond(wsi, HTTP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", body)
             : lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, NULL) ||
                   lws_http_transaction_completed(wsi);
    free(body);
    return rc;
}

/* A webhook POST in progress (the HTTP protocol's per-session data). */
struct http_req {
    int index; /* the platform, +1 (0: not a webhook request) */
    char header[PLATFORM_WEBHOOK_HEADERS][HTTP_WEBHOOK_HEADER_MAX];
    int has_header[PLATFORM_WEBHOOK_HEADERS];
    char *body;
    size_t len;
    int too_big;
    int chunked;                   /* the body comes with Transfer-Encoding: chunked */
    struct http_chunked dechunk;   /* ... and is decoded here (bot/http_body.h) */
    struct wcup_req *upload;       /* POST /upload in progress (owned), else NULL */
    struct deskweb_req *desk;      /* POST /api/desk/… whose body is coming (owned), else NULL */
    struct slowreq_job *job;       /* a heavy request's job, answered when done (bot/slowreq.h) */
    struct http_deadline deadline; /* while a body arrives: 408 when it passes */
};

static int http_status(struct lws *wsi, unsigned status)
{
    char body[64];
    snprintf(body, sizeof body, "{\"ok\":%s,\"status\":%u}", status < 300 ? "true" : "false",
             status);
    return http_respond_json(wsi, status, body);
}

/* The started platform whose webhook is at the request's path (a GET only if it takes GETs),
 * as its index + 1, or 0. */
static int http_webhook_find(struct lws *wsi, struct app *app, int get)
{
    /* The whole path: the callback's "in" is only what follows the /webhook mount. */
    char path[128] = "";
    lws_hdr_copy(wsi, path, sizeof path, get ? WSI_TOKEN_GET_URI : WSI_TOKEN_POST_URI);
    for (int i = 0; platform_registry[i]; i++) {
        const struct platform_ops *ops = platform_registry[i];
        if (app->pstarted[i] && ops->webhook && (!get || ops->webhook_get) &&
            strcmp(ops->webhook_path, path) == 0)
            return i + 1;
    }
    return 0;
}

/* The headers the platform asked for (a signature, a secret), into req. */
static void http_webhook_headers(struct lws *wsi, const struct platform_ops *ops,
                                 struct http_req *req)
{
    for (int k = 0; k < PLATFORM_WEBHOOK_HEADERS && ops->webhook_headers[k]; k++) {
        const char *name = ops->webhook_headers[k];
        int n = lws_hdr_custom_copy(wsi, req->header[k], sizeof req->header[k], name,
                                    (int)strlen(name));
        req->has_header[k] = n > 0;
    }
}

/* Calls the platform's webhook with what the request carried and answers with its status. */
static int http_webhook_call(struct lws *wsi, struct app *app, struct http_req *req,
                             const struct platform_webhook *in)
{
    int i = req->index - 1;
    const struct platform_ops *ops = platform_registry[i];
    struct platform_webhook_reply out = {.body = "", .text = false};
    unsigned status = (unsigned)ops->webhook(app->pstate[i], app->db, in, &out);
    /* An update that could not be stored because the disk is full: 503, "try again later" —
     * every platform resends what was not answered 2xx, and nothing was acknowledged. */
    if (status == HTTP_STATUS_INTERNAL_SERVER_ERROR && db_writes_refusing())
        status = HTTP_STATUS_SERVICE_UNAVAILABLE;
    if (status == HTTP_STATUS_UNAUTHORIZED)
        log_warn("http", "refused a %s webhook call with a wrong or missing secret", ops->name);
    if (!out.body[0])
        return http_status(wsi, status);
    return out.text ? http_respond(wsi, status, "text/plain; charset=utf-8", out.body)
                    : http_respond_json(wsi, status, out.body);
}

/* A GET to a platform's webhook: its subscription check (Messenger's hub.challenge). The
 * query arguments, url-decoded by the server, are joined by '&'. */
static int http_webhook_get(struct lws *wsi, struct app *app, struct http_req *req)
{
    char query[HTTP_WEBHOOK_QUERY_MAX] = "", arg[HTTP_WEBHOOK_QUERY_MAX];
    memset(req, 0, sizeof *req);
    req->index = http_webhook_find(wsi, app, 1);
    if (!req->index)
        return lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL) ||
               lws_http_transaction_completed(wsi);
    size_t used = 0;
    for (int k = 0; lws_hdr_copy_fragment(wsi, arg, sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, k) > 0;
         k++) {
        int n = snprintf(query + used, sizeof query - used, "%s%s", used ? "&" : "", arg);
        if (n < 0 || (size_t)n >= sizeof query - used)
            return http_status(wsi, HTTP_STATUS_REQ_URI_TOO_LONG);
        used += (size_t)n;
    }
    http_webhook_headers(wsi, platform_registry[req->index - 1], req);
    struct platform_webhook in = {.get = true, .query = query};
    for (int k = 0; k < PLATFORM_WEBHOOK_HEADERS; k++)
        in.headers[k] = req->has_header[k] ? req->header[k] : NULL;
    return http_webhook_call(wsi, app, req, &in);
}

/* A body follows: it has until its deadline, however slowly its pieces come. */
static void http_body_deadline(struct lws *wsi, struct app *app, struct http_req *req)
{
    http_deadline_start(&req->deadline, wsi, app->cfg->http_body_timeout_s);
}

/* Starts a webhook POST: which platform, its headers, the announced size. */
static int http_webhook_begin(struct lws *wsi, struct app *app, struct http_req *req)
{
    memset(req, 0, sizeof *req);
    int found = http_webhook_find(wsi, app, 0);
    if (found) {
        const struct platform_ops *ops = platform_registry[found - 1];
        char clen[24] = "", te[32] = "";
        lws_hdr_copy(wsi, clen, sizeof clen, WSI_TOKEN_HTTP_CONTENT_LENGTH);
        lws_hdr_copy(wsi, te, sizeof te, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
        int chunked = !clen[0] && strstr(te, "chunked");
        if (!chunked && (!clen[0] || atoll(clen) <= 0))
            return http_limits_refuse(wsi, HTTP_STATUS_BAD_REQUEST);
        /* from the announced size, before any of the body is read */
        if (atoll(clen) > app->cfg->http_max_body_bytes)
            return http_limits_refuse(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE);
        http_webhook_headers(wsi, ops, req);
        req->index = found;
        req->chunked = chunked;
        http_body_deadline(wsi, app, req);
        return 0; /* the body follows */
    }
    return http_limits_refuse(wsi, HTTP_STATUS_NOT_FOUND);
}

static int http_webhook_end(struct lws *wsi, struct app *app, struct http_req *req);

/* A piece of a chunked webhook body: decoded, and answered once its last chunk is in. The
 * connection closes after the answer: libwebsockets still waits for the end of a body it
 * cannot delimit. */
static int http_webhook_chunk(struct lws *wsi, struct app *app, struct http_req *req,
                              const void *in, size_t len)
{
    int rc = http_chunked_add(&req->dechunk, &req->body, &req->len,
                              (size_t)app->cfg->http_max_body_bytes, in, len);
    if (rc == HTTP_CHUNKED_MORE)
        return 0;
    http_deadline_stop(&req->deadline);
    req->index = rc == HTTP_CHUNKED_DONE ? req->index : 0; /* nothing more is read */
    if (rc == HTTP_CHUNKED_TOO_BIG)
        return http_limits_refuse(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE);
    if (rc == HTTP_CHUNKED_BAD)
        return http_limits_refuse(wsi, HTTP_STATUS_BAD_REQUEST);
    http_webhook_end(wsi, app, req); /* req may be gone after it */
    return -1;
}

/* A piece of a webhook's body. Past the limit the request is answered 413 at once and its
 * connection closed: the rest is never read. */
static int http_webhook_body(struct lws *wsi, struct app *app, struct http_req *req, const void *in,
                             size_t len)
{
    if (!req->index || req->too_big)
        return 0;
    if (req->chunked)
        return http_webhook_chunk(wsi, app, req, in, len);
    if (http_body_add(&req->body, &req->len, (size_t)app->cfg->http_max_body_bytes, in, len) == 0)
        return 0;
    req->too_big = 1;
    return http_limits_refuse(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE);
}

/* The whole body is here: let the platform store it, then answer. */
static int http_webhook_end(struct lws *wsi, struct app *app, struct http_req *req)
{
    if (!req->index)
        return http_status(wsi, HTTP_STATUS_NOT_FOUND);
    if (req->too_big) {
        free(req->body);
        req->body = NULL;
        return http_status(wsi, HTTP_STATUS_REQ_ENTITY_TOO_LARGE);
    }
    /* The body is taken out of req first: answering completes the transaction, and on a
     * keep-alive connection libwebsockets then frees req (a webhook flood over keep-alive
     * connections read it after the free). */
    char *body = req->body;
    req->body = NULL;
    struct platform_webhook in = {.get = false, .query = "", .body = body, .len = req->len};
    for (int k = 0; k < PLATFORM_WEBHOOK_HEADERS; k++)
        in.headers[k] = req->has_header[k] ? req->header[k] : NULL;
    int rc = http_webhook_call(wsi, app, req, &in);
    free(body);
    return rc; /* req may be gone */
}

/* POST /upload (bot/platforms/webchat_upload.c): the headers decide whether the body is read. */
static int http_upload_begin(struct lws *wsi, struct http *h, struct http_req *req)
{
    char resp[WCUP_RESP_MAX];
    memset(req, 0, sizeof *req);
    unsigned status = wcup_begin(h->upload, wsi, &req->upload, resp);
    if (!status) {
        http_body_deadline(wsi, h->app, req);
        return 0;
    }
    /* refused from its headers: the body is never read, so the connection cannot be reused */
    http_respond_json(wsi, status, resp);
    return -1;
}

static int http_upload_end(struct lws *wsi, struct http *h, struct http_req *req)
{
    char resp[WCUP_RESP_MAX];
    unsigned status = wcup_end(h->upload, req->upload, resp);
    req->upload = NULL;
    return http_respond_json(wsi, status, resp);
}

/* Whether the request's path (GET or POST) is prefix or below it. */
static int http_is_under(struct lws *wsi, const char *prefix)
{
    char uri[128] = "";
    enum lws_token_indexes t =
        lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0 ? WSI_TOKEN_POST_URI : WSI_TOKEN_GET_URI;
    size_t n = strlen(prefix);
    if (lws_hdr_total_length(wsi, t) <= 0)
        return 0;
    lws_hdr_copy_fragment(wsi, uri, sizeof uri, t, 0); /* a longer path still starts here */
    return strncmp(uri, prefix, n) == 0 && (uri[n] == '\0' || uri[n] == '/');
}

/* Whether the request is a POST to path. */
static int http_is_post_to(struct lws *wsi, const char *path)
{
    char uri[64] = "";
    return lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0 &&
           lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_POST_URI) > 0 && strcmp(uri, path) == 0;
}

/* LWS_CALLBACK_HTTP: the request's headers are here; which route answers. A route that waits
 * for a body arms its deadline (http_body_deadline); one that answered may have freed req
 * (libwebsockets frees the per-session data when a keep-alive transaction completes). */
static int http_route(struct lws *wsi, struct app *app, struct http_req *req, const void *in)
{
    if (http_is_under(wsi, APIWEB_PREFIX)) {
        memset(req, 0, sizeof *req); /* a POST's body, if any, is dropped: 405 */
        return apiweb_answer(app->http->api, wsi, &req->job);
    }
    if (http_is_under(wsi, DESKWEB_PREFIX)) {
        memset(req, 0, sizeof *req);
        struct deskweb_req *d = NULL; /* req is not touched once an answer completed it */
        int rc = deskweb_begin(app->http->desk, wsi, &d, &req->job);
        if (rc == 0 && d) {
            req->desk = d;
            http_body_deadline(wsi, app, req);
        }
        return rc;
    }
    if (http_is_under(wsi, "/desk/login") && lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
        return deskweb_login_page(app->http->desk, wsi);
    if (http_is_post_to(wsi, "/upload") && app->http->upload)
        return http_upload_begin(wsi, app->http, req);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
        return http_webhook_begin(wsi, app, req);
    /* in is the whole path. Only GET reaches here (a POST has no GET_URI token). */
    const char *path = in ? (const char *)in : "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
        return lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL) ||
               lws_http_transaction_completed(wsi);
    if (strcmp(path, "/healthz") == 0 || strcmp(path, "/healthz/") == 0)
        return http_healthz(wsi, app);
    if (strcmp(path, "/metrics") == 0 || strcmp(path, "/metrics/") == 0)
        return http_metrics(wsi, app->http);
    if (http_is_under(wsi, "/webhook"))
        return http_webhook_get(wsi, app, req);
    return lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL) ||
           lws_http_transaction_completed(wsi);
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    struct app *app = lws_context_user(lws_get_context(wsi));
    struct http_req *req = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP_BODY:
        if (req->desk)
            deskweb_body(req->desk, in, len);
        else if (req->upload)
            wcup_body(req->upload, in, len);
        else
            return http_webhook_body(wsi, app, req, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        http_deadline_stop(&req->deadline);
        if (req->desk) {
            struct deskweb_req *d = req->desk;
            req->desk = NULL;
            return deskweb_end(app->http->desk, wsi, d, &req->job);
        }
        if (req->upload)
            return http_upload_end(wsi, app->http, req);
        return http_webhook_end(wsi, app, req);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (req) {
            http_deadline_stop(&req->deadline);
            free(req->body);
            req->body = NULL;
            if (req->upload)
                wcup_req_free(app->http->upload, req->upload);
            req->upload = NULL;
            deskweb_req_free(req->desk);
            req->desk = NULL;
            if (req->job) /* closed before its answer: the answer is never written */
                slowreq_release(app->http->slow, req->job);
            req->job = NULL;
        }
        break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        slowreq_collect(app->http ? app->http->slow : NULL);
        break;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (req && req->deadline.expired) {
            log_info("http",
                     "a request body was still arriving %d s after its headers: "
                     "answered 408 and closed",
                     app->cfg->http_body_timeout_s);
            http_deadline_stop(&req->deadline);
            return http_limits_refuse(wsi, HTTP_STATUS_REQUEST_TIMEOUT);
        }
        if (req && req->job)
            return slowreq_answer(app->http->slow, &req->job, wsi);
        break;
    case LWS_CALLBACK_HTTP: {
        http_deadline_stop(&req->deadline); /* before the routes clear req */
        return http_route(wsi, app, req, in);
    }
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return 1; /* WebSocket requests must name a platform protocol */
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void http_tick(lws_sorted_usec_list_t *sul)
{
    struct http *h = lws_container_of(sul, struct http, tick);
    if (atomic_load(&h->app->stopping))
        return;
    /* Let every protocol sweep as if woken: catches rows another process enqueued. */
    lws_cancel_service(h->ctx);
    lws_sul_schedule(h->ctx, 0, &h->tick, http_tick, HTTP_TICK_US);
}

static void http_setup_mounts(struct http *h)
{
    snprintf(h->web_root, sizeof h->web_root, "%s/web", h->app->cfg->data_dir);
    snprintf(h->desk_root, sizeof h->desk_root, "%s/desk", h->web_root);
    /* The web desk: its API and sign-in page through the callback, its files from web/desk
     * (a mount of its own, so /desk/ gets index.html as its default). */
    h->mount_desk_login = (struct lws_http_mount){
        .mountpoint = "/desk/login",
        .origin = "tipgate-http",
        .origin_protocol = LWSMPRO_CALLBACK,
        .mountpoint_len = 11,
    };
    h->mount_desk_api = (struct lws_http_mount){
        .mount_next = &h->mount_desk_login,
        .mountpoint = DESKWEB_PREFIX,
        .origin = "tipgate-http",
        .origin_protocol = LWSMPRO_CALLBACK,
        .mountpoint_len = sizeof DESKWEB_PREFIX - 1,
    };
    h->mount_desk = (struct lws_http_mount){
        .mount_next = &h->mount_desk_api,
        .mountpoint = "/desk",
        .origin = h->desk_root,
        .def = "index.html",
        .extra_mimetypes = &http_mimes,
        .origin_protocol = LWSMPRO_FILE,
        .mountpoint_len = 5,
        .cache_max_age = 60,
        .cache_reusable = 1,
        .cache_revalidate = 1,
    };
    h->mount_hooks = (struct lws_http_mount){
        .mount_next = &h->mount_desk,
        .mountpoint = "/webhook",
        .origin = "tipgate-http",
        .origin_protocol = LWSMPRO_CALLBACK,
        .mountpoint_len = 8,
    };
    h->mount_upload = (struct lws_http_mount){
        .mount_next = &h->mount_hooks,
        .mountpoint = "/upload",
        .origin = "tipgate-http",
        .origin_protocol = LWSMPRO_CALLBACK,
        .mountpoint_len = 7,
    };
    h->mount_metrics = (struct lws_http_mount){
        .mount_next = &h->mount_upload,
        .mountpoint = "/metrics",
        .origin = "tipgate-http",
        .origin_protocol = LWSMPRO_CALLBACK,
        .mountpoint_len = 8,
    };
    h->mount_health = (struct lws_http_mount){
        .mount_next = &h->mount_metrics,
        .mountpoint = "/healthz",
        .origin = "tipgate-http",
        .origin_protocol = LWSMPRO_CALLBACK,
        .mountpoint_len = 8,
    };
    h->mount_web = (struct lws_http_mount){
        .mount_next = &h->mount_health,
        .mountpoint = "/",
        .origin = h->web_root,
        .def = "index.html",
        .extra_mimetypes = &http_mimes,
        .origin_protocol = LWSMPRO_FILE,
        .mountpoint_len = 1,
        .cache_max_age = 300,
        .cache_reusable = 1,
        .cache_revalidate = 1,
    };
    h->mount_api = (struct lws_http_mount){
        .mount_next = &h->mount_web,
        .mountpoint = APIWEB_PREFIX,
        .origin = "tipgate-http",
        .origin_protocol = LWSMPRO_CALLBACK,
        .mountpoint_len = sizeof APIWEB_PREFIX - 1,
    };
}

static void http_setup_protocols(struct http *h)
{
    int n = 0;
    h->protocols[n++] = (struct lws_protocols){
        .name = "tipgate-http",
        .callback = http_callback,
        .per_session_data_size = sizeof(struct http_req),
        .rx_buffer_size = 16384,
    };
    for (int i = 0; platform_registry[i] && n < HTTP_PROTOCOLS_MAX - 2; i++)
        if (h->app->pstarted[i] && platform_registry[i]->ws_protocol)
            h->protocols[n++] = *platform_registry[i]->ws_protocol;
    h->protocols[n++] = desk_live_protocol; /* the web desk's live alerts (bot/desk_live.h) */
    h->protocols[n] = (struct lws_protocols){0};
}

static int http_lws_level(void)
{
    return LLL_ERR | (log_get_level() == LOG_DEBUG ? LLL_WARN : 0);
}

static void http_lws_log(int level, const char *line)
{
    if (http_limits_log(level, line, http_lws_level()))
        return;
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (level & LLL_ERR)
        log_error("lws", "%.*s", (int)n, line);
    else
        log_debug("lws", "%.*s", (int)n, line);
}

/* Tries the address before libwebsockets does: a port in use is the commonest start-up
 * failure, deserves a clear message, and lws leaks part of its context on that path. */
static int http_probe(const char *listen, int port)
{
    if (port == 0)
        return 0;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family = strchr(listen, ':') ? AF_INET6 : AF_INET;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, listen, &a->sin6_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, listen, &a->sin_addr);
        len = sizeof *a;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0)
        return 0; /* let libwebsockets say what is wrong */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, (struct sockaddr *)&ss, len);
    int err = errno;
    close(fd);
    if (rc != 0) {
        log_error("http", "cannot listen on %s port %d: %s", listen, port, strerror(err));
        return -1;
    }
    return 0;
}

/* Raises the soft open-file limit to the hard limit: a systemd service starts with 1024, which
 * would stop the web chat near 1,000 browsers, and libwebsockets sizes its tables by the soft
 * limit when the context is made. Says so when even the hard limit is too low. */
static void http_fd_limit(void)
{
    const rlim_t need = (rlim_t)HTTP_WS_MAX_CONNECTIONS + HTTP_FD_SPARE;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_warn("http", "cannot read the open-file limit: %s", strerror(errno));
        return;
    }
    rlim_t was = rl.rlim_cur;
    /* An unlimited hard limit cannot be a soft one for open files (the kernel caps it). */
    rlim_t want = rl.rlim_max != RLIM_INFINITY ? rl.rlim_max : was > need ? was : need;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log_warn("http", "cannot raise the open-file limit from %llu to %llu: %s",
                     (unsigned long long)was, (unsigned long long)want, strerror(errno));
            rl.rlim_cur = was;
        } else {
            log_info("http", "raised the open-file limit from %llu to %llu",
                     (unsigned long long)was, (unsigned long long)rl.rlim_cur);
        }
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
        log_warn("http",
                 "the open-file limit is %llu, below the %llu that %d web chat connections need: "
                 "browsers beyond that are refused; raise LimitNOFILE= in the service unit (or "
                 "the hard limit, ulimit -Hn)",
                 (unsigned long long)rl.rlim_cur, (unsigned long long)need,
                 HTTP_WS_MAX_CONNECTIONS);
}

int http_start(struct app *app, struct http **out)
{
    *out = NULL;
    if (http_probe(app->cfg->http_listen, app->cfg->http_port) != 0)
        return -1;
    http_fd_limit();
    struct http *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->app = app;
    if (metrics_start(app, &h->metrics) != 0) {
        log_error("http", "cannot start the /metrics counter");
        free(h);
        return -1;
    }
    /* Photos belong to the web chat: no upload route without it. */
    int wc = platform_index("webchat");
    if (wc >= 0 && app->pstarted[wc] && !(h->upload = wcup_new(app))) {
        log_error("http", "cannot set up web chat uploads");
        metrics_stop(h->metrics);
        free(h);
        return -1;
    }
    if (!(h->slow = slowreq_new(app)) || !(h->desk = deskweb_new(app, h->slow))) {
        log_error("http", "cannot set up the web desk");
        metrics_stop(h->metrics);
        wcup_free(h->upload);
        slowreq_free(h->slow);
        free(h);
        return -1;
    }
    if (!(h->api = apiweb_new(app, h->slow))) {
        log_error("http", "cannot set up the API /api/v1");
        metrics_stop(h->metrics);
        wcup_free(h->upload);
        deskweb_free(h->desk);
        slowreq_free(h->slow);
        free(h);
        return -1;
    }
    http_setup_mounts(h);
    http_setup_protocols(h);
    lws_set_log_level(http_lws_level(), http_lws_log);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = app->cfg->http_port;
    info.iface = app->cfg->http_listen;
    info.protocols = h->protocols;
    info.mounts = &h->mount_api;
    info.headers = &http_headers;
    info.user = app;
    if (!strchr(info.iface, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    /* Slow clients (bot/http_limits.h): headers have header_timeout_s from their first byte
     * (libwebsockets' idle limit on its header buffer, never re-armed while they trickle in),
     * bodies body_timeout_s from the headers' end (our deadline); a larger header buffer than
     * max_header_bytes is never allocated, and what overflows it is answered 431. */
    const struct cfg *cfg = app->cfg;
    info.timeout_secs = HTTP_LWS_TIMEOUT_S;
    if (cfg->http_body_timeout_s + HTTP_LWS_TIMEOUT_SLACK_S > HTTP_LWS_TIMEOUT_S)
        info.timeout_secs = (unsigned)(cfg->http_body_timeout_s + HTTP_LWS_TIMEOUT_SLACK_S);
    info.timeout_secs_ah_idle = (unsigned)cfg->http_header_timeout_s;
    info.max_http_header_data = (unsigned short)cfg->http_max_header_bytes;
    info.ka_time = 60;
    info.ka_probes = 3;
    info.ka_interval = 10;
    h->ctx = lws_create_context(&info);
    if (!h->ctx) {
        log_error("http", "cannot listen on %s port %d (in use, or not allowed?)",
                  app->cfg->http_listen, app->cfg->http_port);
        metrics_stop(h->metrics);
        wcup_free(h->upload);
        deskweb_free(h->desk);
        apiweb_free(h->api);
        slowreq_free(h->slow);
        free(h);
        return -1;
    }
    if (http_limits_files(h->ctx, h->web_root) != 0)
        log_warn("http",
                 "cannot resolve %s: static files are not checked for symbolic links "
                 "leaving it",
                 h->web_root);
    if (slowreq_start(h->slow, h->ctx) != 0) {
        *out = h;
        return -1; /* the caller's http_free undoes all */
    }
    h->vhost = lws_get_vhost_by_name(h->ctx, "default");
    h->port = h->vhost ? lws_get_vhost_listen_port(h->vhost) : app->cfg->http_port;
    cfg_set_base_url(app->cfg, h->port); /* before the worker starts: sign-in links carry it */
    lws_sul_schedule(h->ctx, 0, &h->tick, http_tick, HTTP_TICK_US);
    log_info("http", "listening on http://%s:%d (web chat, /healthz, /metrics)",
             app->cfg->http_listen, h->port);
    *out = h;
    return 0;
}

int http_run(struct http *h)
{
    while (!atomic_load(&h->app->stopping))
        if (lws_service(h->ctx, 0) < 0)
            return -1;
    return 0;
}

void http_interrupt(struct http *h)
{
    if (h && h->ctx)
        lws_cancel_service(h->ctx);
}

void http_free(struct http *h)
{
    if (!h)
        return;
    lws_sul_cancel(&h->tick);
    /* The heavy requests' thread first (it wakes the loop), then the loop, whose closing
     * connections release their jobs, then the jobs left. */
    slowreq_stop(h->slow);
    lws_context_destroy(h->ctx);
    slowreq_free(h->slow);
    metrics_stop(h->metrics);
    wcup_free(h->upload);
    deskweb_free(h->desk);
    apiweb_free(h->api);
    free(h);
}

int http_port(const struct http *h)
{
    return h->port;
}
