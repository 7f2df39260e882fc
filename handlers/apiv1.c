/*
 * apiv1.c — see apiv1.h. Tips are read through the desk's queue (storage/tips_queue.h) with
 * the API's filters and turned into export_tip_row's identity-free rows; campaigns and the
 * agencies' record come from the storage the CLI reports use (storage/campaigns.h,
 * storage/agencies.h) and the dated deadlines from the calendar files as loaded now.
 */
#include "handlers/apiv1.h"

#include "calendar/calendar.h"
#include "config/desks.h"
#include "handlers/export.h"
#include "handlers/period_report.h"
#include "handlers/texts.h"
#include "storage/agencies.h"
#include "storage/campaigns.h"
#include "storage/tips_queue.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { APIV1_ARG_MAX = 256 };

static const char *const apiv1_statuses[] = {"new",      "received", "verifying", "transferred",
                                             "resolved", "rejected", "duplicate", "closed"};

int apiv1_error(struct hctx *ctx, struct deskapi_resp *resp, int status, const char *code)
{
    char name[64];
    snprintf(name, sizeof name, "api_err_%s", code);
    const char *message = texts_get(ctx->texts, name);
    if (!message || !*message)
        message = texts_get(ctx->texts, "api_err_generic");
    json_decref(resp->body);
    resp->status = status;
    resp->body =
        json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message ? message : code);
    return 0;
}

/* ---- query values ------------------------------------------------------------------------- */

/* The value of key: 1 present (in out), 0 absent, -1 present but unreadable (too long, not
 * UTF-8). */
static int apiv1_arg(const char *query, const char *key, char *out, size_t size)
{
    if (deskapi_query(query, key, out, size))
        return 1;
    char probe[64];
    snprintf(probe, sizeof probe, "%s=", key);
    const char *at = strstr(query, probe);
    while (at && at != query && at[-1] != '&')
        at = strstr(at + 1, probe);
    return at ? -1 : 0;
}

/* period (default: nothing, or the year of today when required): 0, or -1. */
static int apiv1_period(struct hctx *ctx, const char *query, bool required, int64_t *from,
                        int64_t *to, char *code, size_t size)
{
    int got = apiv1_arg(query, "period", code, size);
    if (got < 0 || (got == 1 && !*code))
        return -1;
    if (got == 0 && !required) {
        *from = *to = 0;
        return 0;
    }
    return calendar_period(got ? code : NULL, calendar_today(ctx->now_ms), from, to);
}

static int apiv1_limit(const char *query, int *limit)
{
    char v[APIV1_ARG_MAX];
    *limit = APIV1_LIMIT_DEFAULT;
    int got = apiv1_arg(query, "limit", v, sizeof v);
    if (got <= 0)
        return got;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 1 || n > APIV1_LIMIT_MAX)
        return -1;
    *limit = (int)n;
    return 0;
}

/* The cursor "c<filing time in hex>.<id in hex>" (not set: the first page): 0, or -1 when it is
 * not one this API made. A list that is not in filing order (campaigns) uses the id alone,
 * "c0.<id in hex>". */
static int apiv1_cursor(const char *query, struct tips_queue_at *after)
{
    char v[APIV1_ARG_MAX];
    memset(after, 0, sizeof *after);
    int got = apiv1_arg(query, "cursor", v, sizeof v);
    if (got <= 0)
        return got;
    char *dot = NULL, *end = NULL;
    errno = 0;
    unsigned long long at = v[0] == 'c' && v[1] != '.' ? strtoull(v + 1, &dot, 16) : 0;
    if (errno || !dot || *dot != '.' || !dot[1] || at > INT64_MAX)
        return -1;
    unsigned long long id = strtoull(dot + 1, &end, 16);
    if (errno || *end || id == 0 || id > INT64_MAX)
        return -1;
    after->set = true;
    after->at = (int64_t)at;
    after->id = (int64_t)id;
    return 0;
}

static json_t *apiv1_next(const struct tips_queue_at *next)
{
    char c[48];
    snprintf(c, sizeof c, "c%" PRIx64 ".%" PRIx64, (uint64_t)next->at, (uint64_t)next->id);
    return next->set ? json_string(c) : json_null();
}

static json_t *apiv1_day(int64_t day)
{
    int y, m, d;
    char s[16];
    calendar_ymd(day, &y, &m, &d);
    snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
    return json_string(s);
}

/* ---- GET /tips, /tips/:code --------------------------------------------------------------- */

struct apiv1_tips_query {
    int64_t from_ms, to_ms;
    const char *area;                              /* as the configuration spells it, or NULL */
    const char *statuses[TIPS_QUEUE_STATUSES + 1]; /* into status */
    char period[APIV1_ARG_MAX], area_arg[APIV1_ARG_MAX], status[APIV1_ARG_MAX];
    int limit;
    struct tips_queue_at after;
};

/* The statuses of "received,verifying" into q->statuses: 0, or -1 for an unknown one. */
static int apiv1_statuses_parse(struct apiv1_tips_query *q)
{
    int n = 0;
    for (char *save = NULL, *s = strtok_r(q->status, ",", &save); s;
         s = strtok_r(NULL, ",", &save)) {
        bool known = false;
        for (size_t i = 0; i < sizeof apiv1_statuses / sizeof apiv1_statuses[0]; i++)
            known = known || strcmp(s, apiv1_statuses[i]) == 0;
        if (!known || n >= TIPS_QUEUE_STATUSES)
            return -1;
        q->statuses[n++] = s;
    }
    q->statuses[n] = NULL;
    return n ? 0 : -1;
}

/* The query as a page asked for: NULL, or the stable code of what is wrong. */
static const char *apiv1_tips_parse(struct hctx *ctx, const char *query, struct apiv1_tips_query *q)
{
    int64_t from, to;
    memset(q, 0, sizeof *q);
    q->to_ms = INT64_MAX;
    if (apiv1_period(ctx, query, false, &from, &to, q->period, sizeof q->period) != 0)
        return "bad_period";
    if (from || to) {
        q->from_ms = calendar_at(from, 0);
        q->to_ms = calendar_at(to + 1, 0);
    }
    int got = apiv1_arg(query, "area", q->area_arg, sizeof q->area_arg);
    const struct area *a = got > 0 ? desks_area(ctx->desks, q->area_arg) : NULL;
    if (got < 0 || (got > 0 && !a))
        return "bad_area";
    q->area = a ? a->code : NULL;
    got = apiv1_arg(query, "status", q->status, sizeof q->status);
    if (got < 0 || (got > 0 && apiv1_statuses_parse(q) != 0))
        return "bad_status";
    if (apiv1_limit(query, &q->limit) != 0)
        return "bad_limit";
    if (apiv1_cursor(query, &q->after) != 0)
        return "bad_cursor";
    return NULL;
}

static int apiv1_tips(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    struct apiv1_tips_query *q = malloc(sizeof *q);
    struct tip list[APIV1_LIMIT_MAX];
    struct tips_queue_at next = {0};
    int n = 0, rc = -1;
    json_t *rows = NULL;
    if (!q)
        return -1;
    const char *bad = apiv1_tips_parse(ctx, req->query ? req->query : "", q);
    if (bad) {
        free(q);
        return apiv1_error(ctx, resp, 400, bad);
    }
    if (tips_queue_window(ctx->db, q->from_ms, q->to_ms, q->area, q->statuses, true, &q->after,
                          list, q->limit, &n, &next) != DB_OK)
        goto out;
    rows = json_array();
    for (int i = 0; rows && i < n; i++) {
        json_t *row = export_tip_row(ctx, &list[i], false);
        if (!row || json_array_append_new(rows, row) != 0)
            goto out;
    }
    rc = deskapi_ok(resp, json_pack("{s:O, s:o}", "tips", rows, "next", apiv1_next(&next)));
out:
    json_decref(rows);
    for (int i = 0; i < n; i++)
        tip_clear(&list[i]);
    free(q);
    return rc;
}

static int apiv1_tip(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    char code[TIPS_CODE_LEN + 1];
    struct tip t = {0};
    if (tips_code_parse(req->params[0], code) != 0)
        return apiv1_error(ctx, resp, 404, "not_found");
    int got = tips_get(ctx->db, code, &t);
    if (got == DB_ERROR)
        return -1;
    if (got != DB_OK || !t.kind || strcmp(t.kind, "tip") != 0) {
        tip_clear(&t);
        return apiv1_error(ctx, resp, 404, "not_found");
    }
    json_t *row = export_tip_row(ctx, &t, false);
    tip_clear(&t);
    return row ? deskapi_ok(resp, row) : -1;
}

/* Newest first by id: the order of the cursor. */
static int apiv1_campaign_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct campaign *)a)->id, y = ((const struct campaign *)b)->id;
    return (x < y) - (x > y);
}

/* ---- GET /campaigns ----------------------------------------------------------------------- */

static json_t *apiv1_campaign_row(struct hctx *ctx, const struct campaign *c)
{
    struct campaigns_counts k;
    char send[EXPORT_TIME_MAX], created[EXPORT_TIME_MAX], started[EXPORT_TIME_MAX],
        finished[EXPORT_TIME_MAX];
    if (campaigns_report(ctx->db, c->id, &k) != DB_OK)
        return NULL;
    export_time_iso(c->send_at, send);
    export_time_iso(c->created_at, created);
    export_time_iso(c->started_at, started);
    export_time_iso(c->finished_at, finished);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:{s:I, s:I, s:I, s:I, s:I,"
                     " s:I, s:I, s:I}}",
                     "code", c->code, "kind", c->kind, "title", c->title, "audience", c->audience,
                     "status", c->status, "send_at", send[0] ? send : NULL, "created_at", created,
                     "started_at", started[0] ? started : NULL, "finished_at",
                     finished[0] ? finished : NULL, "delivery", "targeted", (json_int_t)k.targeted,
                     "sent", (json_int_t)k.sent, "failed", (json_int_t)k.failed, "unreachable",
                     (json_int_t)k.unreachable, "opted_out", (json_int_t)k.opted_out, "in_progress",
                     (json_int_t)k.in_progress, "cancelled", (json_int_t)k.cancelled,
                     "outside_window", (json_int_t)k.outside_window);
}

static int apiv1_campaigns(struct hctx *ctx, const struct deskapi_req *req,
                           struct deskapi_resp *resp)
{
    const char *query = req->query ? req->query : "";
    int limit, n = 0, rc = -1, shown = 0;
    struct tips_queue_at after, next = {0};
    if (apiv1_limit(query, &limit) != 0)
        return apiv1_error(ctx, resp, 400, "bad_limit");
    if (apiv1_cursor(query, &after) != 0)
        return apiv1_error(ctx, resp, 400, "bad_cursor");
    struct campaign *list = calloc(APIV1_CAMPAIGNS_MAX, sizeof *list);
    json_t *rows = json_array();
    if (!list || !rows || campaigns_list(ctx->db, list, APIV1_CAMPAIGNS_MAX, &n) != DB_OK)
        goto out;
    /* newest first by id (campaigns_list orders by sending time): the page is the rows
     * below the cursor's id */
    qsort(list, (size_t)n, sizeof *list, apiv1_campaign_cmp);
    for (int i = 0; i < n; i++) {
        if (after.set && list[i].id >= after.id)
            continue;
        if (shown == limit) {
            next.set = true;
            break;
        }
        json_t *row = apiv1_campaign_row(ctx, &list[i]);
        if (!row || json_array_append_new(rows, row) != 0)
            goto out;
        next.id = list[i].id;
        shown++;
    }
    rc = deskapi_ok(resp, json_pack("{s:O, s:o}", "campaigns", rows, "next", apiv1_next(&next)));
out:
    for (int i = 0; list && i < n; i++)
        campaign_clear(&list[i]);
    free(list);
    json_decref(rows);
    return rc;
}

/* ---- GET /deadlines ----------------------------------------------------------------------- */

static json_t *apiv1_agencies(struct hctx *ctx, int64_t from, int64_t to)
{
    struct agencies_record *rows = calloc(APIV1_AGENCIES_MAX, sizeof *rows);
    int n = 0;
    json_t *list = NULL;
    if (!rows || agencies_report(ctx->db, from, to, calendar_today(ctx->now_ms), rows,
                                 APIV1_AGENCIES_MAX, &n) != DB_OK)
        goto out;
    list = json_array();
    for (int i = 0; list && i < n; i++) {
        int due = rows[i].on_time + rows[i].late + rows[i].missing;
        json_t *pct = due ? json_real((double)(1000 * rows[i].on_time / due) / 10.0) : json_null();
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:o}", "code",
                                                  rows[i].code, "name", rows[i].name, "on_time",
                                                  rows[i].on_time, "late", rows[i].late, "missing",
                                                  rows[i].missing, "pending", rows[i].pending,
                                                  "on_time_pct", pct)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
out:
    free(rows);
    return list;
}

/* The dated deadlines of the calendar files in [from, to]; NULL on an error (logged). */
static json_t *apiv1_dates(struct hctx *ctx, int64_t from, int64_t to)
{
    struct calendar *cal = NULL;
    struct calendar_date *dates = NULL;
    size_t n = 0;
    char err[CALENDAR_ERR_MAX];
    json_t *list = NULL;
    if (calendar_load(ctx->cfg, &cal, err, sizeof err) != 0 ||
        calendar_expand(cal, from, to, &dates, &n, err, sizeof err) != 0)
        goto out;
    list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        const struct calendar_deadline *d = dates[i].deadline;
        json_t *row =
            json_pack("{s:s, s:o, s:o, s:s, s:s, s:s, s:s}", "code", dates[i].code, "due",
                      apiv1_day(dates[i].day), "rule_day", apiv1_day(dates[i].rule_day), "plan",
                      d->plan, "what", d->what, "submit_to", d->to, "targets", d->targets);
        if (!row || json_array_append_new(list, row) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
out:
    free(dates);
    calendar_free(cal);
    return list;
}

static int apiv1_deadlines(struct hctx *ctx, const struct deskapi_req *req,
                           struct deskapi_resp *resp)
{
    int64_t from, to;
    char code[APIV1_ARG_MAX] = "";
    if (apiv1_period(ctx, req->query ? req->query : "", true, &from, &to, code, sizeof code) != 0 ||
        to - from >= APIV1_DEADLINE_DAYS_MAX)
        return apiv1_error(ctx, resp, 400, "bad_period");
    json_t *agencies = apiv1_agencies(ctx, from, to), *dates = apiv1_dates(ctx, from, to);
    if (!agencies || !dates) {
        json_decref(agencies);
        json_decref(dates);
        return -1;
    }
    return deskapi_ok(resp,
                      json_pack("{s:{s:o, s:o}, s:o, s:o}", "period", "from", apiv1_day(from), "to",
                                apiv1_day(to), "agencies", agencies, "deadlines", dates));
}

/* ---- GET /reports, /kpis: the period report's documents (handlers/period_report.h) ------- */

static int apiv1_reports(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    char period[APIV1_ARG_MAX] = "", area[APIV1_ARG_MAX] = "";
    const char *query = req->query ? req->query : "", *why = NULL;
    struct preport_query q;
    json_t *doc = NULL;
    if (apiv1_arg(query, "period", period, sizeof period) < 0)
        return apiv1_error(ctx, resp, 400, "bad_period");
    if (apiv1_arg(query, "area", area, sizeof area) < 0)
        return apiv1_error(ctx, resp, 400, "bad_area");
    if (preport_query_parse(ctx, period, area, &q, &why) != 0)
        return apiv1_error(ctx, resp, 400, why ? why : "bad_period");
    if (preport_build(ctx, &q, &doc) != 0)
        return -1;
    return deskapi_ok(resp, doc);
}

static int apiv1_kpis(struct hctx *ctx, const struct deskapi_req *req, struct deskapi_resp *resp)
{
    char months[APIV1_ARG_MAX] = "", area[APIV1_ARG_MAX] = "";
    const char *query = req->query ? req->query : "", *why = NULL;
    struct preport_query q;
    json_t *doc = NULL;
    long n = APIV1_KPI_MONTHS;
    int got = apiv1_arg(query, "months", months, sizeof months);
    if (got != 0) {
        char *end = NULL;
        errno = 0;
        n = got > 0 ? strtol(months, &end, 10) : 0;
        if (got < 0 || errno || end == months || *end || n < 1 || n > APIV1_KPI_MONTHS_MAX)
            return apiv1_error(ctx, resp, 400, "bad_months");
    }
    if (apiv1_arg(query, "area", area, sizeof area) < 0 ||
        preport_query_parse(ctx, NULL, area, &q, &why) != 0)
        return apiv1_error(ctx, resp, 400, "bad_area");
    if (preport_kpi(ctx, (int)n, q.area, &doc) != 0)
        return -1;
    return deskapi_ok(resp, doc);
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct apiv1_route apiv1_routes[] = {
    {"/tips", "read:tips", apiv1_tips, 0},
    {"/tips/:code", "read:tips", apiv1_tip, 0},
    {"/campaigns", "read:campaigns", apiv1_campaigns, 0},
    {"/deadlines", "read:deadlines", apiv1_deadlines, 0},
    {"/reports", "read:reports", apiv1_reports, 1},
    {"/kpis", "read:reports", apiv1_kpis, 1},
};

/* Whether path matches pattern, its ":name" segment (one at most) copied to req->params[0]. */
static bool apiv1_match(const char *pattern, const char *path, struct deskapi_req *req)
{
    const char *colon = strchr(pattern, ':');
    size_t fixed = colon ? (size_t)(colon - pattern) : strlen(pattern);
    if (strncmp(pattern, path, fixed) != 0)
        return false;
    const char *rest = path + fixed;
    if (!colon)
        return *rest == '\0' || strcmp(rest, "/") == 0;
    size_t len = strcspn(rest, "/");
    if (len == 0 || len >= DESKAPI_PARAM_MAX || (rest[len] && strcmp(rest + len, "/") != 0))
        return false;
    memcpy(req->params[0], rest, len);
    req->params[0][len] = '\0';
    req->nparams = 1;
    return true;
}

const struct apiv1_route *apiv1_find(struct deskapi_req *req)
{
    for (size_t i = 0; i < sizeof apiv1_routes / sizeof apiv1_routes[0]; i++)
        if (apiv1_match(apiv1_routes[i].pattern, req->path, req))
            return &apiv1_routes[i];
    req->nparams = 0;
    return NULL;
}
