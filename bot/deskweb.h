/*
 * deskweb.h — the HTTP side of the web desk's JSON API (`/api/desk/…`, handlers/deskapi.h) and
 * its sign-in. On the HTTP thread, for each request: the session from the cookie
 * (bot/desk_session.h; none → 401), the route (404/405), the role (403), for a POST the
 * X-CSRF-Token header (403) and a JSON object body of at most DESKWEB_BODY_MAX bytes (400/413),
 * then the route over a handler context whose person is the signed-in one — in a write
 * transaction taken like a receiver's (app_write_begin) when the route writes, committed when
 * it answers below 400 — and the answer as JSON with "Cache-Control: no-store" (or a file).
 *
 * POST /login {"token"} (no session) spends a sign-in link and sets the session cookie;
 * POST /logout ends the session and clears it. Too many bad links from one address within
 * DESKWEB_BAD_WINDOW_MS are answered 429 until the window ends, logged once (never the token).
 *
 * A heavy route (the `heavy` field of handlers/deskapi.h: the report, the KPIs, the downloads)
 * is not run on the HTTP thread: the whole pipeline above, session first, runs as a job of
 * bot/slowreq.h over that thread's own connection, and the answer is written when it is done;
 * when too many wait already the answer is at once 503 "busy" with Retry-After.
 */
#ifndef TIPGATE_DESKWEB_H
#define TIPGATE_DESKWEB_H

#include <stddef.h>

enum {
    DESKWEB_BODY_MAX = 64 * 1024, /* a POST body */
    DESKWEB_BAD_MAX = 5,          /* bad sign-in links from one address per window */
    DESKWEB_BAD_SLOTS = 256,      /* addresses remembered (the oldest window is dropped) */
};
#define DESKWEB_BAD_WINDOW_MS (10LL * 60 * 1000)
#define DESKWEB_PREFIX        "/api/desk"

struct app;
struct lws;
struct deskweb;     /* the API's state on the HTTP thread (the bad-link counts) */
struct deskweb_req; /* one request whose body is still coming */
struct slowreq;
struct slowreq_job;

/* NULL when out of memory. slow: the heavy routes' thread (NULL: they run on the caller's). */
struct deskweb *deskweb_new(struct app *app, struct slowreq *slow);
void deskweb_free(struct deskweb *dw);

/* LWS_CALLBACK_HTTP for a path under DESKWEB_PREFIX. A GET (or a POST without a body, or one
 * refused by its size) is answered at once, or queued when its route is heavy (*job set: the
 * caller answers it with slowreq_answer or releases it with slowreq_release): *req stays NULL.
 * A POST whose body follows gets *req (owned: deskweb_req_free). Returns what the HTTP
 * callback returns. */
int deskweb_begin(struct deskweb *dw, struct lws *wsi, struct deskweb_req **req,
                  struct slowreq_job **job);
/* LWS_CALLBACK_HTTP_BODY: a piece of the body (beyond DESKWEB_BODY_MAX it is dropped: 413). */
void deskweb_body(struct deskweb_req *req, const void *in, size_t len);
/* LWS_CALLBACK_HTTP_BODY_COMPLETION: runs the request and answers (or queues it, as
 * deskweb_begin: *job); takes req. */
int deskweb_end(struct deskweb *dw, struct lws *wsi, struct deskweb_req *req,
                struct slowreq_job **job);
void deskweb_req_free(struct deskweb_req *req);

/* The request's query string as "k=v&k2=v2" again, each value percent-encoded, into out (size
 * bytes; what does not fit is left out): what deskapi_query reads. Also for /api/v1
 * (bot/apiweb.c). */
void deskweb_query(struct lws *wsi, char *out, size_t size);

/* GET /desk/login: the sign-in page (web/desk/login.html under data_dir), never cached. */
int deskweb_login_page(struct deskweb *dw, struct lws *wsi);

#endif
