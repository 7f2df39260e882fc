/*
 * apiweb.h — the HTTP side of the API for other systems, /api/v1 (handlers/apiv1.h). On the
 * HTTP thread, for each request: GET only (405); /api/v1/openapi.json, the OpenAPI 3.1
 * document (web/api/openapi.json under data_dir), without a token; otherwise the bearer token
 * of the Authorization header (storage/api_tokens.h; none, unknown or revoked → 401), the
 * token's rate limit (api.rate_limit_per_minute in any minute; beyond it 429 with
 * Retry-After), the route (404) and the scope it needs (403), then the route over a handler
 * context of no person, read-only. Every answer is JSON with "Cache-Control: no-store"; an
 * error is {"error": {"code", "message"}} with a stable code. A token is never logged: a
 * request is logged (debug) with the token's name.
 *
 * Settings (block "api"): enabled (default true: nothing is reachable without a token made
 * on the shell with `tipgate token create`; false answers every path 404 "disabled"),
 * rate_limit_per_minute (default 120).
 *
 * A heavy route (the `heavy` field of handlers/apiv1.h: /reports, /kpis) runs its whole
 * pipeline, token first, as a job of bot/slowreq.h off the HTTP thread; when too many wait
 * already the answer is at once 503 "busy" with Retry-After.
 */
#ifndef TIPGATE_APIWEB_H
#define TIPGATE_APIWEB_H

#include "config/config.h"

#define APIWEB_PREFIX "/api/v1"

struct app;
struct lws;
struct apiweb;
struct slowreq;
struct slowreq_job;

extern const struct cfg_block apiweb_settings;

/* NULL when out of memory. slow: the heavy routes' thread (NULL: they run on the caller's). */
struct apiweb *apiweb_new(struct app *app, struct slowreq *slow);
void apiweb_free(struct apiweb *aw);

/* LWS_CALLBACK_HTTP for a path under APIWEB_PREFIX: answers at once (a body sent with a POST
 * is not read: the answer is 405), or queues a heavy route's request (*job set: the caller
 * answers it with slowreq_answer or releases it with slowreq_release). Returns what the HTTP
 * callback returns. */
int apiweb_answer(struct apiweb *aw, struct lws *wsi, struct slowreq_job **job);

#endif
