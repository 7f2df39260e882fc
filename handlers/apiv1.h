/*
 * apiv1.h — the routes of the HTTP API /api/v1 for other systems (the province's, a statistics
 * office's): read-only, ward-wide, and never the tipster's identity. bot/apiweb.h runs the
 * pipeline (bearer token, rate limit, JSON errors) and calls a route found here when the
 * token grants its scope:
 *
 *   GET /tips?period=&area=&status=&limit=&cursor=   read:tips       (export_tip_row's rows)
 *   GET /tips/{code}                                 read:tips
 *   GET /campaigns?limit=&cursor=                    read:campaigns
 *   GET /deadlines?period=                           read:deadlines  (agencies' record, dates)
 *   GET /reports?period=&area=                       read:reports    (the period report)
 *   GET /kpis?months=&area=                          read:reports    (targets, trend, breakdowns)
 *
 * Lists are pages, newest first, continued by an opaque cursor ("next", null on the last
 * page): a keyset (the last row's id), never an OFFSET, so a row is listed once even while
 * new ones arrive. An error is {"error": {"code", "message"}}; the codes are stable (the
 * OpenAPI document web/api/openapi.json lists them). Routes reuse the web desk's request and
 * answer types (handlers/deskapi.h) and its query-string reader.
 */
#ifndef TIPGATE_APIV1_H
#define TIPGATE_APIV1_H

#include "handlers/deskapi.h"

enum {
    APIV1_LIMIT_DEFAULT = 20,
    APIV1_LIMIT_MAX = DESKAPI_PAGE_MAX, /* 50 */
    APIV1_CAMPAIGNS_MAX = 2000,         /* campaigns a listing pages through */
    APIV1_DEADLINE_DAYS_MAX = 3 * 366,  /* days of one /deadlines period */
    APIV1_AGENCIES_MAX = 1000,
    APIV1_KPI_MONTHS = 12, /* /kpis without months */
    APIV1_KPI_MONTHS_MAX = 24,
};

struct apiv1_route {
    const char *pattern; /* "/tips/:code": a ":name" segment matches one path segment */
    const char *scope;   /* the token's scope it needs */
    deskapi_fn fn;       /* GET; returns 0 with resp filled (any status), -1 on an error */
    int heavy;           /* 1: may read for seconds; runs off the HTTP thread (bot/slowreq.h) */
};

/* The route for path (below /api/v1, without the query); req->params filled from its ":name"
 * segment. NULL when no route has that path. */
const struct apiv1_route *apiv1_find(struct deskapi_req *req);

/* resp = status and the error object for code, its message the text "api_err_<code>" of the
 * messages file (a generic one when it has none). Returns 0. */
int apiv1_error(struct hctx *ctx, struct deskapi_resp *resp, int status, const char *code);

#endif
